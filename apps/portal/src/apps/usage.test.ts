import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, type AppId } from '@tollgate/domain';
import { insertCallRecords } from '../call-records/store';
import { callRecord } from '../testing/call-record-factory';
import { createPortalFixture, type PortalFixture, type TestUser } from '../testing/portal-fixture';

describe('app usage API', () => {
  let f: PortalFixture;
  let member: TestUser;
  let outsider: TestUser;
  let appId: AppId;

  beforeAll(async () => {
    f = await createPortalFixture();
    [member, outsider] = await Promise.all([f.createUser(), f.createUser()]);
    const team = await f.createTeam({ slug: 'usage' });
    await f.addMember(team.id, member.id, 'member');
    appId = (await f.api('POST', `/api/teams/${team.id}/apps`, { cookie: member.cookie, body: { name: 'App' }, expect: 201 })).body.app.id;
    await insertCallRecords(f.db, [
      callRecord({ appId, startedAt: 1_000, inputTokens: 100, cacheReadTokens: 20, cacheWriteTokens: 3, outputTokens: 50, reasoningTokens: 7, costMicroUsd: 1_500 }),
      callRecord({ appId, startedAt: 2_000, inputTokens: 10, outputTokens: 5, costMicroUsd: 100 }),
      callRecord({ appId, startedAt: 3_000, status: 502, failed: true, inputTokens: 0, outputTokens: 0, costMicroUsd: 0 }),
      // A stream cut mid-answer: the status line said 200 but the call failed.
      callRecord({ appId, startedAt: 4_000, status: 200, failed: true, inputTokens: 1, outputTokens: 1, costMicroUsd: 1 }),
      callRecord({ appId: newId('app'), startedAt: 2_500, inputTokens: 999_999, costMicroUsd: 999_999 }),
    ]);
  });
  afterAll(() => f.close());

  it('sums the app’s calls, errors included', async () => {
    const res = await f.api('GET', `/api/apps/${appId}/usage`, { cookie: member.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      appId,
      from: null,
      to: null,
      totals: { requests: 4, errors: 2, inputTokens: 111, cacheReadTokens: 20, cacheWriteTokens: 3, outputTokens: 56, reasoningTokens: 7, costMicroUsd: 1_601 },
    });
  });

  it('bounds the window by from (inclusive) and to (exclusive), as epoch ms or ISO', async () => {
    const res = await f.api('GET', `/api/apps/${appId}/usage?from=2000&to=${new Date(4_000).toISOString()}`, { cookie: member.cookie });
    expect(res.body.totals).toMatchObject({ requests: 2, errors: 1, inputTokens: 10, costMicroUsd: 100 });
    expect(res.body).toMatchObject({ from: 2_000, to: 4_000 });
    const empty = await f.api('GET', `/api/apps/${appId}/usage?from=5000`, { cookie: member.cookie });
    expect(empty.body.totals).toEqual({ requests: 0, errors: 0, inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, costMicroUsd: 0 });
  });

  it('validates the window and hides other teams’ usage', async () => {
    expect((await f.api('GET', `/api/apps/${appId}/usage?from=yesterday`, { cookie: member.cookie })).body.error.message).toMatch(/^from:/);
    expect((await f.api('GET', `/api/apps/${appId}/usage?from=5000&to=1000`, { cookie: member.cookie })).body.error.message).toMatch(/^from:/);
    const hidden = await f.api('GET', `/api/apps/${appId}/usage`, { cookie: outsider.cookie });
    expect(hidden.status).toBe(404);
    expect(JSON.stringify(hidden.body)).not.toContain(appId);
  });
});
