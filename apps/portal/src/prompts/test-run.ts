import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { request } from 'undici';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { first, modelRoutes, promptVersions } from '@tollgate/db';
import type { ModelTarget, PromptId, ServiceId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { ApiError, badRequest, notFound } from '../http/errors';
import { readJson } from '../http/validate';
import { findPrompt } from './load';

/** What the portal asks a gateway to run (its `POST /internal/prompt-runs`), and what comes back. */
export interface PromptRunRequest {
  serviceId: ServiceId;
  promptId: PromptId;
  version: number | null;
  name: string;
  path: string;
  spec: unknown;
  targets: ModelTarget[];
  variables: unknown;
  /** Ask for the answer as server-sent events (`delta`, then `done` or `error`) instead of one JSON body. */
  stream: boolean;
}
/** The gateway's answer: JSON (errors always are), or the event stream a streamed run succeeded with. */
export type PromptRunAnswer = { status: number; body: unknown } | { status: number; stream: ReadableStream<Uint8Array> };
export type PromptRunner = (run: PromptRunRequest) => Promise<PromptRunAnswer>;

/** Whether a gateway answer is the event stream of a streamed run. */
export const isEventStream = (contentType: string | null | undefined) => (contentType ?? '').startsWith('text/event-stream');

const testRunSchema = z.strictObject({
  variables: z.record(z.string(), z.unknown()).default({}),
  /** `draft` (default) or a version number. */
  version: z.union([z.literal('draft'), z.number().int().positive()]).default('draft'),
  /** Stream the answer as server-sent events, as a prompt API does with `"stream": true`. */
  stream: z.boolean().default(false),
});

/**
 * `POST /api/prompts/:promptId/test-run`: the team tries a draft (or a version) with sample variables before
 * publishing it. It runs in a gateway like any call, on the service's working-copy model route, and is metered
 * to the service's team (call records with the prompt id; version null for the draft).
 */
export function promptTestRunRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/prompts/:promptId/test-run', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const found = await findPrompt(ctx.db, c.req.param('promptId'));
    if (!found) throw notFound('Prompt');
    requireOwned(actor, found.service, 'member', 'Prompt');
    const { variables, version, stream } = await readJson(c, testRunSchema);
    const { prompt, service } = (await findPrompt(ctx.db, found.prompt.id)) ?? found;
    let spec: { model?: unknown } = prompt.draft as { model?: unknown };
    if (version !== 'draft') {
      const row = await first(ctx.db.select().from(promptVersions).where(and(eq(promptVersions.promptId, prompt.id), eq(promptVersions.version, version))));
      if (!row) throw notFound(`Prompt version ${version}`);
      spec = row.spec as { model?: unknown };
    }
    const route = await first(
      ctx.db
        .select({ targets: modelRoutes.targets })
        .from(modelRoutes)
        .where(and(eq(modelRoutes.serviceId, service.id), eq(modelRoutes.name, String(spec.model)))),
    );
    if (!route) throw badRequest(`The prompt's model '${String(spec.model)}' is not one of the service's model routes.`, 'invalid_model');
    if (!ctx.promptRunner) {
      throw new ApiError(503, 'test_runs_unavailable', 'Test runs need a gateway: set TOLLGATE_GATEWAY_URL and TOLLGATE_INTERNAL_TOKEN on the portal.');
    }
    const answer = await ctx.promptRunner({
      serviceId: service.id,
      promptId: prompt.id,
      version: version === 'draft' ? null : version,
      name: prompt.name,
      path: prompt.path,
      spec,
      targets: route.targets,
      variables,
      stream,
    });
    // Relayed event by event, unbuffered, so the panel shows the text as the model writes it.
    if ('stream' in answer) return new Response(answer.stream, { status: answer.status, headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
    // The gateway answers in the same REST shape the portal uses, errors included.
    return c.json(answer.body as object, answer.status as 200);
  });

  return app;
}

/** Runs test runs in a gateway over HTTP, with the internal token; an unreachable gateway is a 502 naming it. */
export function createHttpPromptRunner(gatewayUrl: string, internalToken: string): PromptRunner {
  const url = `${gatewayUrl.replace(/\/+$/, '')}/internal/prompt-runs`;
  return async (run) => {
    try {
      const res = await request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(run),
        headersTimeout: 130_000,
        bodyTimeout: 130_000,
      });
      if (isEventStream(String(res.headers['content-type'] ?? ''))) return { status: res.statusCode, stream: Readable.toWeb(res.body) as ReadableStream<Uint8Array> };
      return { status: res.statusCode, body: await res.body.json() };
    } catch (err) {
      return { status: 502, body: { error: { code: 'gateway_unreachable', message: `The gateway at ${gatewayUrl} did not answer the test run: ${(err as Error).message}`, requestId: '' } } };
    }
  };
}
