import { restDefaults } from '@tollgate/domain';
import type { ServiceRestSettings } from '@tollgate/db';
import { emptyServiceRest } from './service-schemas';

type StoredUpstream = ServiceRestSettings['upstreams'][number];

/**
 * REST settings as stored or frozen, with anything missing filled from the defaults. Writes fill every field
 * already; this keeps what was frozen before a field existed (or a hand-edited row) servable as the gateway
 * types promise, so the gateway never guesses.
 */
export function fillServiceRest(stored: Partial<ServiceRestSettings> | null | undefined): ServiceRestSettings {
  const empty = emptyServiceRest();
  if (!stored) return empty;
  return {
    hosts: stored.hosts ?? empty.hosts,
    keyLocations: { ...empty.keyLocations, ...stored.keyLocations },
    cors: stored.cors ?? null,
    upstreams: (stored.upstreams ?? []).map(fillUpstream).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    traffic: { ...empty.traffic, ...stored.traffic },
  };
}

function fillUpstream(u: Partial<StoredUpstream> & { name: string }): StoredUpstream {
  return {
    name: u.name,
    nodes: (u.nodes ?? []).map((n) => ({ url: n.url, weight: n.weight ?? 1 })),
    balancer: u.balancer ?? restDefaults.balancer,
    healthCheck: u.healthCheck ? { ...restDefaults.healthCheck, ...u.healthCheck } : null,
    outlier: { ...restDefaults.outlier, ...u.outlier },
    timeouts: { ...restDefaults.timeouts, ...u.timeouts },
    retries: { ...restDefaults.retries, ...u.retries },
    hostHeader: u.hostHeader ?? null,
  };
}
