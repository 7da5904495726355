import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import type { Model } from 'openai/resources/models';
import { startSubscribedPlatform } from './testing/test-platform';

/**
 * `/v1/models` through the real portal, snapshot publisher and gateway, read with the official OpenAI SDK:
 * each model says when the release serving it was made (`created`, epoch seconds) and which team publishes
 * it (`owned_by`, the team's slug).
 */
let t: Awaited<ReturnType<typeof startSubscribedPlatform>>;
let client: OpenAI;
let serviceId: string;
let providerId: string;

const releaseTimes = async (): Promise<Map<number, number>> => {
  const { releases } = await t.admin.must('GET', `/api/services/${serviceId}/releases`);
  return new Map(releases.map((r: { version: number; createdAt: number }) => [r.version, Math.floor(r.createdAt / 1_000)]));
};

/** The listed models once they are `ids` (the snapshot reaches the gateway a moment after a write). */
async function listedAs(ids: string[]): Promise<Model[]> {
  const deadline = Date.now() + 2_000;
  let data = (await client.models.list()).data;
  while (data.map((m) => m.id).join() !== ids.join() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    data = (await client.models.list()).data;
  }
  expect(data.map((m) => m.id)).toEqual(ids);
  return data;
}

beforeAll(async () => {
  t = await startSubscribedPlatform();
  ({ client, serviceId, providerId } = t);
});
afterAll(() => t.close());

describe('/v1/models', () => {
  it('dates each model by its live release and names the publishing team as its owner, in list and retrieve', async () => {
    const started = Math.floor(Date.now() / 1_000) - 60;
    const [model] = await listedAs(['gpt-4o-mini']);
    const times = await releaseTimes();
    expect(model).toEqual({ id: 'gpt-4o-mini', object: 'model', created: times.get(1), owned_by: 'ai-platform' });
    expect(model!.created).toBeGreaterThanOrEqual(started);
    expect(await client.models.retrieve('gpt-4o-mini')).toEqual(model);
  });

  it('moves with the live release: a new release dates its models, a rollback brings the old date back', async () => {
    await t.admin.must('POST', `/api/services/${serviceId}/models`, { name: 'gpt-4o', targets: [{ providerId, model: 'gpt-4o' }] });
    await t.admin.must('POST', `/api/services/${serviceId}/releases`);
    const second = await listedAs(['gpt-4o', 'gpt-4o-mini']);
    const times = await releaseTimes();
    expect(second.map((m) => [m.id, m.created, m.owned_by])).toEqual([
      ['gpt-4o', times.get(2), 'ai-platform'],
      ['gpt-4o-mini', times.get(2), 'ai-platform'],
    ]);

    await t.admin.must('POST', `/api/services/${serviceId}/releases/1/publish`, undefined, 200);
    const [back] = await listedAs(['gpt-4o-mini']);
    expect(back).toMatchObject({ created: times.get(1), owned_by: 'ai-platform' });
  });
});
