import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, ApiError } from '../api/client';
import type { App, JwtCredential, Subscription } from '../api/types';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { StateBadge } from '../ui/badge';
import { KeysSection } from './keys-section';
import { WorkloadSection } from './workload-section';
import { when } from './format';
import { Table } from '../ui/table';

/** One app: its keys, its subscriptions (with the publisher's reason), its JWT credentials and workload identities. */
export function AppPage() {
  const { id } = useParams<{ id: string }>();
  const app = useQuery({ queryKey: ['app', id], queryFn: () => api.get<{ app: App }>(`/api/apps/${id}`) });
  // Another team's app answers 404 like a missing one: the page says only that, and asks for nothing else.
  if (app.isError && app.error instanceof ApiError && (app.error.status === 404 || app.error.status === 403)) {
    return (
      <Page title="App not found">
        <p>There is no app at this address in your teams. <Link href="/">See your apps</Link>.</p>
      </Page>
    );
  }
  return (
    <DataState query={app} what="the app">
      {({ app: a }) => (
        <Page title={a.name} lead={a.description || undefined} actions={<Link href="/" className="button button-secondary">All my apps</Link>}>
          <KeysSection appId={a.id} />
          <SubscriptionsSection appId={a.id} />
          <JwtSection appId={a.id} />
          <WorkloadSection appId={a.id} />
        </Page>
      )}
    </DataState>
  );
}

function SubscriptionsSection({ appId }: { appId: string }) {
  const subs = useQuery({ queryKey: ['app-subscriptions', appId], queryFn: () => api.get<{ subscriptions: Subscription[] }>(`/api/apps/${appId}/subscriptions`) });
  return (
    <section aria-labelledby="subs-heading" className="app-section">
      <h2 id="subs-heading">Subscriptions</h2>
      <DataState query={subs} what="subscriptions" isEmpty={(d) => d.subscriptions.length === 0} empty={<>No subscription yet. Find a service in the <Link href="~/">catalogue</Link> and subscribe this app to one of its plans.</>}>
        {(d) => (
          <Table caption="Subscriptions of this app" columns={['Service', 'Plan', 'State', 'Your note', 'Publisher’s reason', 'Requested']}>
            {d.subscriptions.map((s) => (
              <tr key={s.id}>
                <td><Link href={`~/services/${s.service.id}`}>{s.service.name}</Link></td>
                <td>{s.plan.name}</td>
                <td>
                  <StateBadge state={s.state} />
                  {s.state === 'pending' ? <div className="muted">waiting for approval</div> : null}
                </td>
                <td>{s.note || <span className="muted">—</span>}</td>
                <td>{s.decisionReason ? <>{s.decisionReason}<div className="muted">{when(s.decidedAt)}</div></> : <span className="muted">—</span>}</td>
                <td>{when(s.createdAt)}</td>
              </tr>
            ))}
          </Table>
        )}
      </DataState>
    </section>
  );
}

function JwtSection({ appId }: { appId: string }) {
  const creds = useQuery({ queryKey: ['app-jwt', appId], queryFn: () => api.get<{ credentials: JwtCredential[] }>(`/api/apps/${appId}/jwt-credentials`) });
  return (
    <section aria-labelledby="jwt-heading" className="app-section">
      <h2 id="jwt-heading">JWT credentials</h2>
      <p className="muted">Tokens from your identity provider that the gateway accepts for this app, besides its keys. They are added through the API.</p>
      <DataState query={creds} what="JWT credentials" isEmpty={(d) => d.credentials.length === 0} empty="No JWT credential.">
        {(d) => (
          <Table caption="JWT credentials of this app" columns={['Issuer', 'Subject', 'Audiences', 'Keys from', 'State']}>
            {d.credentials.map((c) => (
              <tr key={c.id}>
                <td><code>{c.issuer}</code></td>
                <td><code>{c.subjectClaim}</code> = <code>{c.subject}</code></td>
                <td>{c.audiences.join(', ')}</td>
                <td>{c.jwksUrl ? <code>{c.jwksUrl}</code> : `${c.keys?.length ?? 0} key(s) given`}</td>
                <td>{c.revokedAt ? <><StateBadge state="revoked" /> <span className="muted">{when(c.revokedAt)}</span></> : <StateBadge state="active" />}</td>
              </tr>
            ))}
          </Table>
        )}
      </DataState>
    </section>
  );
}
