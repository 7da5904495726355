import { useQuery } from '@tanstack/react-query';
import { api, query } from '../api/client';
import type { Plan, Service } from '../api/types';
import { Page } from '../ui/page';
import { DataState } from '../ui/states';
import { Badge, StateBadge } from '../ui/badge';
import { TextField } from '../ui/field';
import { useUrlState } from '../ui/use-url-state';

/** The catalogue: every service the user may see, searchable, filtered by tag, with each one's plans. */
export function CataloguePage() {
  const [state, setState] = useUrlState(['q', 'tag'] as const);
  const services = useQuery({
    queryKey: ['services', state.q, state.tag],
    queryFn: () => api.get<{ services: Service[] }>(`/api/services${query({ q: state.q, tag: state.tag })}`),
    placeholderData: (previous) => previous,
  });
  // Tags of everything visible (unfiltered), so a chosen tag can be cleared and others picked.
  const all = useQuery({ queryKey: ['services', '', ''], queryFn: () => api.get<{ services: Service[] }>('/api/services') });
  const tags = [...new Set((all.data?.services ?? []).flatMap((s) => s.tags))].sort();
  return (
    <Page title="Catalogue" lead="AI and REST services you can subscribe your apps to.">
      <div className="toolbar" role="search">
        <TextField label="Search services" type="search" value={state.q} onChange={(e) => setState({ q: e.target.value })} placeholder="Name, description or slug" />
        {tags.length > 0 ? (
          <fieldset className="tag-filter">
            <legend>Tags</legend>
            {tags.map((tag) => (
              <button key={tag} type="button" className={`chip${state.tag === tag ? ' chip-on' : ''}`} aria-pressed={state.tag === tag} onClick={() => setState({ tag: state.tag === tag ? null : tag })}>
                {tag}
              </button>
            ))}
          </fieldset>
        ) : null}
      </div>
      <DataState query={services} what="the catalogue" isEmpty={(d) => d.services.length === 0} empty={state.q || state.tag ? 'No service matches these filters.' : 'No service is published yet.'}>
        {(data) => (
          <ul className="cards" aria-label="Services">
            {data.services.map((s) => (
              <ServiceCard key={s.id} service={s} />
            ))}
          </ul>
        )}
      </DataState>
    </Page>
  );
}

function ServiceCard({ service }: { service: Service }) {
  const plans = useQuery({ queryKey: ['plans', service.id], queryFn: () => api.get<{ plans: Plan[] }>(`/api/services/${service.id}/plans`) });
  return (
    <li className="card service-card">
      <h2>
        <a href={`/services/${service.id}`}>{service.name}</a>
      </h2>
      <p className="badges">
        <Badge tone="info">{service.kind === 'ai' ? 'AI' : 'REST'}</Badge> <StateBadge state={service.lifecycle} />
        {service.tags.map((t) => (
          <Badge key={t}>{t}</Badge>
        ))}
      </p>
      {service.description ? <p>{service.description}</p> : <p className="muted">No description.</p>}
      <DataState query={plans} what="plans" isEmpty={(d) => d.plans.length === 0} empty="No plan offered yet.">
        {(d) => (
          <ul className="plan-list" aria-label={`Plans of ${service.name}`}>
            {d.plans.map((p) => (
              <li key={p.id}>
                <strong>{p.name}</strong> <span className="muted">{p.approval === 'manual' ? 'needs approval' : 'approved at once'}</span>
              </li>
            ))}
          </ul>
        )}
      </DataState>
    </li>
  );
}
