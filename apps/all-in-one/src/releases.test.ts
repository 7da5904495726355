import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startSubscribedPlatform } from './testing/test-platform';

/**
 * The gateway serves exactly the live release: edits to a published service wait in its working copy until a
 * release is published, and rolling back to an older release brings its routing back, all through the real
 * portal API, snapshot publisher and gateway, called with the official OpenAI SDK.
 */
let t: Awaited<ReturnType<typeof startSubscribedPlatform>>;
let client: OpenAI;
let serviceId: string;
let providerId: string;

/** The upstream model behind `gpt-4o-mini` right now, as the gateway reports it; waits for the snapshot to settle. */
async function servedModel(): Promise<string> {
  const { response } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
  return response.headers.get('x-tollgate-model') ?? '';
}

async function eventually(expected: string): Promise<void> {
  const deadline = Date.now() + 2_000;
  let seen = await servedModel();
  while (seen !== expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    seen = await servedModel();
  }
  expect(seen).toBe(expected);
}

beforeAll(async () => {
  t = await startSubscribedPlatform();
  ({ client, serviceId, providerId } = t);
});
afterAll(() => t.close());

describe('releases in the gateway', () => {
  it('serves release 1 until a new release is published, then serves it, and serves 1 again after a rollback', async () => {
    await eventually('gpt-4o-mini');

    // Re-point the model in the working copy: nothing changes for callers yet.
    const { models } = await t.admin.must('GET', `/api/services/${serviceId}/models`);
    await t.admin.must('DELETE', `/api/services/${serviceId}/models/${models[0].id}`, undefined, 200);
    await t.admin.must('POST', `/api/services/${serviceId}/models`, { name: 'gpt-4o-mini', targets: [{ providerId, model: 'gpt-4o-2024-08-06' }] });
    await new Promise((r) => setTimeout(r, 50));
    expect(await servedModel()).toBe('gpt-4o-mini');

    const pending = await t.admin.must('GET', `/api/services/${serviceId}/releases/diff`);
    expect(pending.changes).toEqual([
      { path: 'models[gpt-4o-mini]', change: 'changed', before: [{ providerId, model: 'gpt-4o-mini' }], after: [{ providerId, model: 'gpt-4o-2024-08-06' }] },
    ]);

    const { release } = await t.admin.must('POST', `/api/services/${serviceId}/releases`);
    expect(release).toMatchObject({ version: 2, live: true });
    await eventually('gpt-4o-2024-08-06');

    await t.admin.must('POST', `/api/services/${serviceId}/releases/1/publish`, undefined, 200);
    await eventually('gpt-4o-mini');
    const list = await t.admin.must('GET', `/api/services/${serviceId}/releases`);
    expect(list.releases.map((r: { version: number; live: boolean }) => [r.version, r.live])).toEqual([[2, false], [1, true]]);

    // The working copy still holds release 2's routing: rolling back moved the live pointer only.
    expect((await t.admin.must('GET', `/api/services/${serviceId}/releases/diff?from=2&to=working`)).changes).toEqual([]);
  });
});
