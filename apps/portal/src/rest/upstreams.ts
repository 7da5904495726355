import type { z } from 'zod';
import type { ServiceRestSettings } from '@tollgate/db';
import type { TrafficPolicy } from '@tollgate/domain';
import { badRequest, conflict } from '../http/errors';
import { defaultUpstream, trafficSchema, upstreamBodySchema } from './service-schemas';

export type StoredUpstream = ServiceRestSettings['upstreams'][number];

/** An upstream as stored: the body with every default filled in, without the credential (sealed apart). */
export function upstreamFromBody(name: string, body: z.input<typeof upstreamBodySchema>): StoredUpstream {
  const { credential: _credential, ...settings } = upstreamBodySchema.parse(body);
  return { name, ...settings };
}

/** The service's upstreams with `upstream` added or replaced, in name order. */
export function withUpstream(rest: ServiceRestSettings, upstream: StoredUpstream): ServiceRestSettings {
  const upstreams = [...rest.upstreams.filter((u) => u.name !== upstream.name), upstream].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (upstreams.length > 16) throw badRequest('a service has at most 16 upstreams');
  return { ...rest, upstreams };
}

/**
 * Removing an upstream the traffic policy still sends calls to would leave the gateway nowhere to send them;
 * the answer says what to change first.
 */
export function withoutUpstream(rest: ServiceRestSettings, name: string): ServiceRestSettings {
  const { split, mirror } = rest.traffic;
  if (split.some((s) => s.upstream === name)) throw conflict(`The traffic split sends calls to ${name}; take it out of the split first (PUT …/traffic).`);
  if (mirror?.upstream === name) throw conflict(`The traffic policy mirrors calls to ${name}; change the mirror first (PUT …/traffic).`);
  const others = rest.upstreams.filter((u) => u.name !== name);
  if (name === defaultUpstream && !split.length && others.length) {
    throw conflict(`With no traffic split set, calls go to ${defaultUpstream}; set a split over the other upstreams first (PUT …/traffic).`);
  }
  return { ...rest, upstreams: others };
}

/** A traffic policy that names only upstreams the service has; with no split, calls go to `default`, so it must exist. */
export function checkTraffic(rest: ServiceRestSettings, traffic: z.output<typeof trafficSchema>): TrafficPolicy {
  const names = new Set(rest.upstreams.map((u) => u.name));
  const known = [...names].join(', ') || 'none yet';
  traffic.split.forEach((s, i) => {
    if (!names.has(s.upstream)) throw badRequest(`split.${i}.upstream: the service has no upstream named ${s.upstream} (it has ${known})`);
  });
  if (traffic.mirror && !names.has(traffic.mirror.upstream)) throw badRequest(`mirror.upstream: the service has no upstream named ${traffic.mirror.upstream} (it has ${known})`);
  if (!traffic.split.length && names.size && !names.has(defaultUpstream)) {
    throw badRequest(`split: with no split, calls go to the upstream named ${defaultUpstream}, which the service does not have; list the upstreams to send calls to`);
  }
  return traffic;
}
