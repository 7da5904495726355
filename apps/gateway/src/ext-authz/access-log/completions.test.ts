import { describe, expect, it } from 'vitest';
import type { Context } from 'hono';
import type { CallRecord } from '@tollgate/domain';
import type { GatewayEnv } from '../../env';
import type { RecordMeter } from '../../meter/call-meter';
import { traceFrom } from '../../steps/context';
import { CallDraft } from '../../steps/meter';
import { CheckCompletions } from './completions';
import type { HttpAccessLogEntry } from './entry';

/** The meter as the completions see it: records arrive here once a held check is finished. */
function recordingMeter() {
  const records: CallRecord[] = [];
  const meter: RecordMeter = { callStarted() {}, record: (r) => void records.push(r), countUnattributed() {} };
  return { meter, records };
}

/** An allowed check's context as the pipeline hands it to `hold`: only its call draft is read. */
function checked(requestId: string, stream = false) {
  const draft = new CallDraft(requestId, 'GET', '/items', traceFrom(() => undefined));
  draft.record.appId = 'app_1';
  draft.record.upstream = 'ext_authz';
  draft.record.stream = stream;
  const settled: CallRecord[] = [];
  draft.onFinish((r) => settled.push({ ...r }));
  const c = { get: (name: string) => (name === 'call' ? draft : undefined) } as unknown as Context<GatewayEnv>;
  return { c, draft, settled };
}

const entry = (o: Partial<HttpAccessLogEntry>): HttpAccessLogEntry => ({
  requestId: null,
  method: 'GET',
  path: '/items',
  authority: 'pets.example.org',
  status: 200,
  requestHeaders: {},
  requestBodyBytes: 0,
  responseBodyBytes: 0,
  startTimeMs: null,
  durationMs: null,
  firstUpstreamByteMs: null,
  upstreamCluster: null,
  responseFlags: [],
  ...o,
});

describe('CheckCompletions', () => {
  it('completes a held check with the status, latency, bytes and upstream Envoy logged, as one record', () => {
    const { meter, records } = recordingMeter();
    const completions = new CheckCompletions({ meter, waitMs: 60_000 });
    const { c, draft, settled } = checked('req-a');
    completions.hold(c);
    expect(draft.deferred).toBe(true);
    expect(records).toHaveLength(0);
    completions.complete([entry({ requestId: 'req-a', status: 201, durationMs: 42.4, requestBodyBytes: 10, responseBodyBytes: 300, upstreamCluster: 'outbound|80||pets.shop.svc.cluster.local' })]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ requestId: 'req-a', status: 201, failed: false, latencyMs: 42, bytesIn: 10, bytesOut: 300, upstream: 'ext_authz', upstreamNode: 'outbound|80||pets.shop.svc.cluster.local' });
    // The limit step's settlement runs on the completed record.
    expect(settled[0]!.status).toBe(201);
    expect(draft.upstreamAnswered).toBe(true);
    expect(completions.stats).toMatchObject({ completed: 1, expired: 0 });
    expect(completions.pending).toBe(0);
    completions.close();
  });

  it('marks an upstream failure from the response flags and a missing response as the client leaving', () => {
    const { meter, records } = recordingMeter();
    const completions = new CheckCompletions({ meter, waitMs: 60_000 });
    const a = checked('req-b');
    const b = checked('req-c', true);
    completions.hold(a.c);
    completions.hold(b.c);
    completions.complete([
      entry({ requestId: 'req-b', status: 503, responseFlags: ['upstream_connection_failure'] }),
      entry({ requestId: 'req-c', status: null, firstUpstreamByteMs: 12 }),
    ]);
    expect(records[0]).toMatchObject({ status: 503, failed: true, errorCode: 'upstream_failed' });
    expect(records[0]!.errorMessage).toContain('upstream_connection_failure');
    expect(records[1]).toMatchObject({ status: 499, failed: true, errorCode: 'client_closed', ttftMs: null });
    expect(a.draft.upstreamAnswered).toBe(false);
    completions.close();
  });

  it('records a check whose entry never came, after the wait, keeping its reservation', () => {
    let now = 1_000;
    const { meter, records } = recordingMeter();
    const completions = new CheckCompletions({ meter, waitMs: 5_000, now: () => now });
    const first = checked('req-d');
    const second = checked('req-e');
    completions.hold(first.c);
    now += 2_000;
    completions.hold(second.c);
    now += 3_500;
    completions.expire();
    expect(records.map((r) => r.requestId)).toEqual(['req-d']);
    expect(records[0]).toMatchObject({ status: 200, failed: false });
    expect(records[0]!.errorMessage).toContain('no access-log entry came within 5000 ms');
    expect(first.draft.keepReservation).toBe(true);
    // A late entry for it no longer matches; the one still held completes.
    completions.complete([entry({ requestId: 'req-d', requestHeaders: { 'x-tollgate-app': 'app_1' } }), entry({ requestId: 'req-e', status: 204 })]);
    expect(records.map((r) => [r.requestId, r.status])).toEqual([['req-d', 200], ['req-e', 204]]);
    expect(completions.stats).toMatchObject({ completed: 1, expired: 1, unmatched: 1 });
    completions.close();
  });

  it('tells denied, unchecked, unmatched and other services\' entries apart without recording them', () => {
    const { meter, records } = recordingMeter();
    const completions = new CheckCompletions({ meter, waitMs: 60_000, isTollgateCall: (e) => e.authority !== 'other.example.org' });
    completions.complete([
      entry({ requestId: 'x4', authority: 'other.example.org' }),
      entry({ requestId: 'x1', status: 401, responseFlags: ['unauthorized_details'] }),
      entry({ requestId: 'x2', status: 200 }),
      entry({ requestId: null, status: 200 }),
      entry({ requestId: 'x3', status: 200, requestHeaders: { 'x-tollgate-app': 'app_9' } }),
    ]);
    expect(records).toHaveLength(0);
    expect(completions.stats).toMatchObject({ denied: 1, unchecked: 2, unmatched: 1, completed: 0, foreign: 1 });
    completions.close();
  });

  it('stays bounded and records everything still held when the gateway stops', () => {
    const { meter, records } = recordingMeter();
    const completions = new CheckCompletions({ meter, waitMs: 60_000, maxPending: 2 });
    for (const id of ['r1', 'r2', 'r3']) completions.hold(checked(id).c);
    expect(records.map((r) => r.requestId)).toEqual(['r1']);
    expect(records[0]!.errorMessage).toContain('more than 2 checks were waiting');
    // A reused request id records the earlier check as it stands rather than losing it.
    completions.hold(checked('r3').c);
    expect(records.map((r) => r.requestId)).toEqual(['r1', 'r3']);
    completions.close();
    expect(records.map((r) => r.requestId).sort()).toEqual(['r1', 'r2', 'r3', 'r3']);
    expect(completions.pending).toBe(0);
  });
});
