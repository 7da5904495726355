import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'wouter';
import { api, ApiError } from '../api/client';
import type { Service } from '../api/types';
import { adminTeamIds, isPlatformAdmin, useMe } from '../api/session';
import { Page } from '../ui/page';
import { ErrorNote } from '../ui/states';
import { Badge, StateBadge } from '../ui/badge';
import { OverviewTab } from './overview-tab';
import { ApisTab } from './apis-tab';
import { ModelsTab } from './models-tab';
import { UpstreamsTab } from './upstreams-tab';
import { PlansTab } from './plans-tab';
import { LifecycleTab } from './lifecycle-tab';
import { ReleasesTab } from './releases-tab';

/** What each tab edits; an AI service routes to models, a REST one to upstreams. */
const tabsFor = (kind: Service['kind']) =>
  [
    { id: 'overview', label: 'Overview' },
    { id: 'apis', label: 'APIs' },
    kind === 'ai' ? { id: 'models', label: 'Models' } : { id: 'upstreams', label: 'Upstreams' },
    { id: 'plans', label: 'Plans' },
    { id: 'lifecycle', label: 'Lifecycle' },
    { id: 'releases', label: 'Releases' },
  ] as const;

export const useService = (id: string) =>
  useQuery({ queryKey: ['publisher', id, 'service'], queryFn: () => api.get<{ service: Service }>(`/api/services/${id}`) });

/**
 * One service's console, the open tab in the address (`/publish/services/:id/releases`). Only the team's
 * admins (and platform admins) may manage it; anyone else sees the same page as for a missing service, so
 * the console never shows what the catalogue would not.
 */
export function ServiceConsole() {
  const { id = '', tab = 'overview' } = useParams<{ id: string; tab?: string }>();
  const me = useMe();
  const service = useService(id);
  if (service.isPending) return <p className="muted" role="status">Loading the service…</p>;
  if (service.isError) {
    if (service.error instanceof ApiError && service.error.status === 404) return <NoSuchService />;
    return <ErrorNote error={service.error} title="Could not load the service" />;
  }
  const s = service.data.service;
  const manages = isPlatformAdmin(me.data) || adminTeamIds(me.data).includes(s.teamId);
  if (!manages) return <NoSuchService />;
  const tabs = tabsFor(s.kind);
  const current = tabs.find((t) => t.id === tab);
  return (
    <Page
      title={s.name}
      lead={
        <span className="badges">
          <Badge tone="info">{s.kind === 'ai' ? 'AI' : 'REST'}</Badge> <StateBadge state={s.lifecycle} /> <span className="muted">/{s.slug}</span>
        </span>
      }
    >
      <nav aria-label="Service sections" className="tab-list">
        {tabs.map((t) => (
          <Link key={t.id} className="tab" href={`/services/${s.id}/${t.id}`} aria-current={t.id === current?.id ? 'page' : undefined}>{t.label}</Link>
        ))}
      </nav>
      {current ? <TabBody tab={current.id} service={s} /> : <p>There is no section “{tab}” here. Pick one above.</p>}
    </Page>
  );
}

function TabBody({ tab, service }: { tab: ReturnType<typeof tabsFor>[number]['id']; service: Service }) {
  switch (tab) {
    case 'overview':
      return <OverviewTab service={service} />;
    case 'apis':
      return <ApisTab service={service} />;
    case 'models':
      return <ModelsTab service={service} />;
    case 'upstreams':
      return <UpstreamsTab service={service} />;
    case 'plans':
      return <PlansTab service={service} />;
    case 'lifecycle':
      return <LifecycleTab service={service} />;
    case 'releases':
      return <ReleasesTab service={service} />;
  }
}

function NoSuchService() {
  return (
    <Page title="Service not found">
      <p>
        No service you publish has this address: it does not exist, or your teams do not manage it.{' '}
        <Link href="/services">Back to my services</Link>.
      </p>
    </Page>
  );
}
