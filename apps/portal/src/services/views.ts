import type { apis } from '@tollgate/db';
import type { ServiceRow } from '../access/load';
import type { Actor } from '../auth/sessions';
import { canReadTeam } from '../access/policy';
import { captureSetting } from './capture-schema';

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
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

/** The service as `actor` may see it: its own team (and platform admins) also see the body capture settings. */
export const serviceViewFor = (actor: Actor) => (s: ServiceRow) =>
  canReadTeam(actor, s.teamId) ? { ...serviceView(s), capture: captureSetting(s) } : serviceView(s);

export const apiView = (a: typeof apis.$inferSelect) => ({
  id: a.id,
  serviceId: a.serviceId,
  name: a.name,
  methods: a.methods,
  path: a.path,
  description: a.description,
  tags: a.tags,
  createdAt: a.createdAt,
});
