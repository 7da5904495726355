import type { ServiceId } from '@tollgate/domain';
import type { ReleaseConfig } from '../releases/config';
import type { PromptRow } from './load';

/** The owning team's view: the draft being edited and which version the next release will serve. */
export const promptView = (p: PromptRow, latestVersion: number | null) => ({
  id: p.id,
  serviceId: p.serviceId,
  name: p.name,
  path: p.path,
  description: p.description,
  draft: p.draft,
  publishedVersion: p.publishedVersion,
  latestVersion,
  createdAt: p.createdAt,
  updatedAt: p.updatedAt,
});

/**
 * What consumers see of a released prompt: how to call it (variables in, output schema out, model) — not the
 * template's messages or tuning parameters, which are the publishing team's work, like a model route's targets.
 */
export const releasedPromptView = (serviceId: ServiceId, p: ReleaseConfig['prompts'][number]) => ({
  id: p.id,
  serviceId,
  name: p.name,
  path: p.path,
  description: p.description,
  version: p.version,
  model: p.spec.model,
  variables: p.spec.variables,
  outputSchema: p.spec.outputSchema ?? null,
});
