import type { apis } from '@tollgate/db';
import type { ServiceRow } from '../access/load';
import type { Actor } from '../auth/sessions';
import { canReadTeam } from '../access/policy';
import { captureSetting } from './capture-schema';
import { serviceRestView } from '../rest/service-fields';
import { defaultApiRest } from '../rest/api-settings';

export const serviceView = (s: ServiceRow) => ({
  id: s.id,
  teamId: s.teamId,
  name: s.name,
  slug: s.slug,
  kind: s.kind,
  description: s.description,
  visibility: s.visibility,
  directModels: s.directModels,
  tags: s.tags,
  limits: s.limits,
  deprecatedAt: s.deprecatedAt,
  sunsetAt: s.sunsetAt,
  lifecycle: s.lifecycle,
  // How to reach a REST service: its hosts, where the key may go, and what browsers may do (never its upstreams).
  ...(s.kind === 'rest' ? serviceRestView(s.rest) : {}),
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

/** The service as `actor` may see it: its own team (and platform admins) also see the body capture settings. */
export const serviceViewFor = (actor: Actor) => (s: ServiceRow) =>
  canReadTeam(actor, s.teamId) ? { ...serviceView(s), capture: captureSetting(s) } : serviceView(s);

/** An API as its own team sees it; a REST service's API with its REST settings (the defaults when none were set). */
export const apiView = (a: typeof apis.$inferSelect, kind: ServiceRow['kind']) => ({
  id: a.id,
  serviceId: a.serviceId,
  name: a.name,
  methods: a.methods,
  path: a.path,
  description: a.description,
  tags: a.tags,
  ...(kind === 'rest' ? (a.rest ?? defaultApiRest()) : {}),
  createdAt: a.createdAt,
});
