import { z } from 'zod';
import { and, eq } from 'drizzle-orm';
import { first, modelRoutes } from '@tollgate/db';
import type { PromptSpecJson, ServiceId } from '@tollgate/domain';
import { checkPromptSpec } from '@tollgate/prompts';
import type { Reader } from '../changes/tx';
import { ApiError } from '../http/errors';
import { nameSchema } from '../http/validate';

/** Where a prompt API answers under its service: `/summarize`, `/support/triage`. Lowercase, so URLs are unambiguous. */
export const promptPathSchema = z
  .string()
  .max(100)
  .regex(/^\/[a-z0-9]+(?:[-/][a-z0-9]+)*$/, 'use a path like /summarize: lowercase letters, digits, single - or / between them');

const descriptionSchema = z.string().trim().max(2_000);

export const createPromptSchema = z.strictObject({
  name: nameSchema,
  path: promptPathSchema,
  description: descriptionSchema.default(''),
  // Checked by the prompt engine below, which names the failing path inside the draft.
  draft: z.unknown().refine((v) => v !== undefined, 'required'),
});

/** Strict: the path is the prompt's address and does not change; sending it is a mistake worth naming. */
export const updatePromptSchema = z
  .strictObject({ name: nameSchema, description: descriptionSchema, draft: z.unknown() })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'send at least one of name, description, draft');

/**
 * Turns a body's `draft` into a checked spec, or a 400 naming where it is wrong (`draft.messages.0.role: …`).
 * The model must be one of the service's model routes as the team is editing them: a prompt names the public
 * model name, and the gateway resolves it through the service's routes.
 */
export async function checkDraft(db: Reader, serviceId: ServiceId, draft: unknown): Promise<PromptSpecJson> {
  const checked = checkPromptSpec(draft);
  if (!checked.ok) {
    const named = checked.issues.slice(0, 3).map((i) => `${draftPath(i.path)}: ${i.message}`);
    // Every issue also by field, so an editor shows each beside the input it is about.
    const fields = checked.issues.map((i) => ({ path: draftPath(i.path), message: i.message }));
    throw new ApiError(400, 'invalid_request', named.join('; ') || 'draft: not a valid prompt spec', fields);
  }
  const spec = checked.spec as PromptSpecJson;
  if (!(await isRoutedModel(db, serviceId, spec.model))) {
    const message = `the service has no model named ${spec.model}; add it first (POST /api/services/${serviceId}/models).`;
    throw new ApiError(400, 'invalid_request', `draft.model: ${message}`, [{ path: 'draft.model', message }]);
  }
  return spec;
}

/** True when the service's working copy has a model route of that public name. */
export const isRoutedModel = async (db: Reader, serviceId: ServiceId, model: string): Promise<boolean> =>
  (await first(db.select({ name: modelRoutes.name }).from(modelRoutes).where(and(eq(modelRoutes.serviceId, serviceId), eq(modelRoutes.name, model))))) !== undefined;

/** The engine's issue paths (`messages.0.role`, `/messages/0/role` or ``) as a body field name. */
function draftPath(path: string): string {
  const dotted = path.replace(/^[/.]+/, '').replace(/\//g, '.');
  return dotted ? `draft.${dotted}` : 'draft';
}
