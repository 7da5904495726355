import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { z } from 'zod';
import { compilePrompt, InvalidPromptSpecError, type PromptSpec } from '@tollgate/prompts';
import { isId, type ModelTarget, type PromptId, type ServiceId } from '@tollgate/domain';
import type { GatewayEnv } from '../env';
import { GatewayError, invalidRequest } from '../errors';
import { readBodyText } from '../http/node-request';
import { parseJsonObject } from '../forward/request-body';
import { readPromptBody } from './prompt-body';
import { servePrompt, type PromptDeps } from './prompt-handler';

/** What the portal sends to test-run a prompt: the spec (a draft or a version) and its service's working-copy route. */
const testRunSchema = z.object({
  serviceId: z.string().refine((s) => isId('service', s), 'a service id'),
  promptId: z.string().refine((s) => isId('prompt', s), 'a prompt id'),
  version: z.number().int().positive().nullable(),
  name: z.string().min(1).max(120),
  path: z.string().min(1).max(100),
  spec: z.record(z.string(), z.unknown()),
  targets: z.array(z.object({ providerId: z.string(), model: z.string().min(1), weight: z.number().optional(), timeoutMs: z.number().optional() })).min(1).max(10),
  variables: z.unknown(),
  /** The test-run panel streams the answer as it arrives, like a prompt API called with `"stream": true`. */
  stream: z.boolean().optional(),
});

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `POST /internal/prompt-runs`: the portal's "test-run a draft with sample variables". Only the portal calls it
 * (the internal token); it runs the same prompt middle as a prompt API and is metered to the service's team,
 * with no subscription or plan limits (the publisher is trying out their own prompt).
 */
export function promptTestRunHandler(deps: PromptDeps & { internalToken?: string }) {
  return async (c: Context<GatewayEnv>) => {
    const presented = c.req.header('authorization')?.replace(/^Bearer /, '') ?? '';
    // Without a configured token the route does not exist; a wrong token learns nothing more.
    if (!deps.internalToken || !timingSafeEqual(digest(presented), digest(deps.internalToken))) {
      throw new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${c.req.method} ${c.req.path}.`);
    }
    const text = await readBodyText(c, deps.maxBodyBytes);
    const parsed = testRunSchema.safeParse(parseJsonObject(text));
    if (!parsed.success) throw invalidRequest(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const run = parsed.data;
    const config = c.get('config');
    const service = config.services.get(run.serviceId as ServiceId);
    if (!service) throw new GatewayError(404, 'invalid_request_error', 'not_found', 'The service is not in the gateway configuration yet; try again in a moment.');
    let compiled;
    try {
      compiled = compilePrompt(run.spec as unknown as PromptSpec);
    } catch (err) {
      if (err instanceof InvalidPromptSpecError) throw invalidRequest(err.message, 'spec');
      throw err;
    }
    const call = c.get('call');
    Object.assign(call.record, { teamId: service.teamId, serviceId: service.id, model: compiled.spec.model, promptId: run.promptId, promptVersion: run.version, bytesIn: Buffer.byteLength(text) });
    const prompt = { serviceId: service.id, id: run.promptId as PromptId, name: run.name, path: run.path, version: run.version ?? 0, spec: compiled.spec };
    return servePrompt(c, deps, { prompt, service, compiled }, run.targets as ModelTarget[], readPromptBody(JSON.stringify({ variables: run.variables ?? {}, stream: run.stream ?? false }), compiled), null);
  };
}
