import { lazy, Suspense } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, ApiError } from '../api/client';
import type { CatalogueApi, CatalogueModel, Plan, Service } from '../api/types';
import { usePlatform } from '../api/apps';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { Badge, StateBadge } from '../ui/badge';
import { Tabs } from '../ui/tabs';
import { Table } from '../ui/table';
import { useUrlState } from '../ui/use-url-state';
import { limitsInWords } from './limits';
import { SubscribePanel } from './subscribe-panel';
import { CodeSamples } from './code-samples';

// Scalar is large: its own chunk, fetched only when someone opens the Reference tab.
const ApiReference = lazy(() => import('./api-reference'));

const tabs = [
  { key: 'overview', label: 'Overview' },
  { key: 'samples', label: 'Code samples' },
  { key: 'reference', label: 'Reference' },
] as const;
type TabKey = (typeof tabs)[number]['key'];

const day = (ms: number) => new Date(ms).toLocaleDateString('en', { year: 'numeric', month: 'long', day: 'numeric' });

/** A service's page in the developer portal: what it is, its plans and operations, how to call it, its reference. */
export function ServicePage() {
  const { id } = useParams<{ id: string }>();
  const service = useQuery({ queryKey: ['service', id], queryFn: () => api.get<{ service: Service }>(`/api/services/${id}`) });
  if (service.isError && service.error instanceof ApiError && service.error.status === 404) {
    return (
      <Page title="Service not found">
        <p>There is no service at this address that you can see. <Link href="/">Back to the catalogue</Link>.</p>
      </Page>
    );
  }
  return (
    <DataState query={service} what="the service">
      {({ service: s }) => <ServiceDetails service={s} />}
    </DataState>
  );
}

function ServiceDetails({ service }: { service: Service }) {
  const [state, setState] = useUrlState(['tab'] as const);
  const tab: TabKey = tabs.some((t) => t.key === state.tab) ? (state.tab as TabKey) : 'overview';
  const plans = useQuery({ queryKey: ['plans', service.id], queryFn: () => api.get<{ plans: Plan[] }>(`/api/services/${service.id}/plans`) });
  const apis = useQuery({ queryKey: ['service-apis', service.id], queryFn: () => api.get<{ apis: CatalogueApi[] }>(`/api/services/${service.id}/apis`) });
  const models = useQuery({
    queryKey: ['service-models', service.id],
    queryFn: () => api.get<{ models: CatalogueModel[] }>(`/api/services/${service.id}/models`),
    enabled: service.kind === 'ai',
  });
  const platform = usePlatform();
  return (
    <Page
      title={service.name}
      lead={
        <span className="badges">
          <Badge tone="info">{service.kind === 'ai' ? 'AI' : 'REST'}</Badge> <StateBadge state={service.lifecycle} />
          {service.tags.map((t) => (
            <Badge key={t}>{t}</Badge>
          ))}
        </span>
      }
    >
      <LifecycleNotice service={service} />
      {service.description ? <p className="service-description">{service.description}</p> : <p className="muted">No description.</p>}
      <Tabs label="Service" tabs={tabs} current={tab} onChange={(key) => setState({ tab: key === 'overview' ? null : key })}>
        {tab === 'overview' ? (
          <div className="service-overview">
            <section aria-labelledby="plans-heading">
              <h2 id="plans-heading">Plans</h2>
              <DataState query={plans} what="plans" isEmpty={(d) => d.plans.length === 0} empty="No plan offered yet: nobody can subscribe until the publisher adds one.">
                {(d) => <PlanList plans={d.plans} />}
              </DataState>
            </section>
            {service.kind === 'ai' ? (
              <section aria-labelledby="models-heading">
                <h2 id="models-heading">Models</h2>
                <DataState query={models} what="models" isEmpty={(d) => d.models.length === 0} empty="No model offered yet.">
                  {(d) => (
                    <ul className="model-list" aria-label="Models">
                      {d.models.map((m) => (
                        <li key={m.name}><code>{m.name}</code></li>
                      ))}
                    </ul>
                  )}
                </DataState>
              </section>
            ) : null}
            <section aria-labelledby="apis-heading">
              <h2 id="apis-heading">{service.kind === 'ai' ? 'APIs and prompt APIs' : 'APIs'}</h2>
              <DataState query={apis} what="APIs" isEmpty={(d) => d.apis.length === 0} empty="No API defined yet.">
                {(d) => <OperationTable apis={d.apis} slug={service.slug} kind={service.kind} />}
              </DataState>
            </section>
            <SubscribePanel service={service} plans={plans.data?.plans ?? []} />
          </div>
        ) : tab === 'samples' ? (
          <DataState query={platform} what="the gateway address">
            {(p) => <CodeSamples service={service} gatewayUrl={p.gatewayUrl} models={models.data?.models ?? []} apis={apis.data?.apis ?? []} />}
          </DataState>
        ) : (
          <Suspense fallback={<p className="muted" role="status">Loading the reference…</p>}>
            <ApiReference serviceId={service.id} gatewayUrl={platform.data?.gatewayUrl ?? null} />
          </Suspense>
        )}
      </Tabs>
    </Page>
  );
}

function LifecycleNotice({ service }: { service: Service }) {
  if (service.lifecycle === 'deprecated') {
    return (
      <div className="note note-warn" role="note">
        <strong>Deprecated.</strong> {service.sunsetAt ? `This service stops answering on ${day(service.sunsetAt)}.` : 'This service will be retired.'} It takes no new subscriptions; move your apps to its successor.
      </div>
    );
  }
  if (service.lifecycle === 'retired') return <div className="note note-error" role="note"><strong>Retired.</strong> This service no longer answers calls.</div>;
  if (service.lifecycle === 'draft') return <div className="note" role="note"><strong>Draft.</strong> Not published yet: only its team sees it, and nobody can subscribe.</div>;
  return null;
}

function PlanList({ plans }: { plans: Plan[] }) {
  return (
    <ul className="plan-cards" aria-label="Plans">
      {plans.map((p) => {
        const limits = limitsInWords(p.limits);
        return (
          <li key={p.id} className="card plan-card">
            <h3>{p.name}</h3>
            <p className="badges">
              <Badge tone={p.approval === 'manual' ? 'warn' : 'good'}>{p.approval === 'manual' ? 'needs approval' : 'approved at once'}</Badge>
              {p.state !== 'active' ? <StateBadge state={p.state} /> : null}
            </p>
            {limits.length ? (
              <ul className="limit-list">
                {limits.map((l) => (
                  <li key={l}>{l}</li>
                ))}
              </ul>
            ) : (
              <p className="muted">No limits.</p>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function OperationTable({ apis, slug, kind }: { apis: CatalogueApi[]; slug: string; kind: Service['kind'] }) {
  // Prompt APIs already carry their gateway path; a REST operation is served under the service's slug.
  const gatewayPath = (a: CatalogueApi) => ('kind' in a && a.kind === 'prompt') || kind === 'ai' ? a.path : `/${slug}${a.path}`;
  return (
    <Table caption="Operations" columns={['Operation', 'Method and path', 'Description']}>
      {apis.map((a) => (
        <tr key={`${a.methods.join()} ${a.path}`}>
          <td>
            {a.name} {'kind' in a && a.kind === 'prompt' ? <Badge tone="info">prompt</Badge> : null}
          </td>
          <td><code>{a.methods.join(', ')} {gatewayPath(a)}</code></td>
          <td>{a.description || <span className="muted">—</span>}</td>
        </tr>
      ))}
    </Table>
  );
}

