import type { ServiceRow } from '../access/load';

export const serviceView = (s: ServiceRow) => ({
  id: s.id,
  teamId: s.teamId,
  name: s.name,
  slug: s.slug,
  kind: s.kind,
  description: s.description,
  visibility: s.visibility,
  directModels: s.directModels,
  deprecatedAt: s.deprecatedAt,
  sunsetAt: s.sunsetAt,
  lifecycle: s.lifecycle,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});
