import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { parseRedactRules, type SnapshotService } from '@tollgate/domain';
import { CallDraft } from '../steps/meter';
import { traceFrom } from '../steps/context';
import { BodyCapture, captureOf, cutToBytes, startCapture } from './body-capture';

const service = (capture?: { redact: string[] }): SnapshotService => ({ id: 'svc_x', teamId: 'team_x', teamSlug: 'team-x', slug: 'x', name: 'X', kind: 'ai', lifecycle: 'published', ...(capture ? { capture } : {}) });
const meter = { recorded: [] as unknown[], record(r: unknown) { this.recorded.push(r); }, countUnattributed() {}, callStarted() {} };

describe('BodyCapture', () => {
  it('keeps both bodies whole under the limit and redacts them', () => {
    const capture = new BodyCapture(parseRedactRules(['api_key']), 1_024);
    capture.request('{"api_key":"sk-1","q":"hi"}');
    capture.response(Buffer.from('{"ok":true,"nested":{"api_key":"sk-2"}}'));
    expect(capture.bodies()).toEqual({ request: '{"api_key":"[REDACTED]","q":"hi"}', response: '{"ok":true,"nested":{"api_key":"[REDACTED]"}}', requestTruncated: false, responseTruncated: false });
  });

  it('cuts each body to the limit in UTF-8 bytes, never inside a character, and says so', () => {
    const capture = new BodyCapture(null, 1_024);
    const text = `{"q":"${'é'.repeat(2_000)}"}`;
    capture.request(text);
    capture.response(Buffer.from(text));
    const { request, response, requestTruncated, responseTruncated } = capture.bodies();
    expect([requestTruncated, responseTruncated]).toEqual([true, true]);
    for (const body of [request!, response!]) {
      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1_024);
      expect(Buffer.byteLength(body)).toBeGreaterThan(1_020);
      expect(body).not.toContain('\uFFFD');
      expect(text.startsWith(body)).toBe(true);
    }
    expect(cutToBytes('a😀b', 2)).toEqual({ text: 'a', cut: true });
    expect(cutToBytes('a😀b', 5)).toEqual({ text: 'a😀', cut: true });
  });

  it('redacts a body cut at the limit up to the cut', () => {
    const capture = new BodyCapture(parseRedactRules(['secret']), 1_024);
    capture.request(`{"a":"${'x'.repeat(900)}","secret":"${'s'.repeat(200)}"}`);
    const { request, requestTruncated } = capture.bodies();
    expect(requestTruncated).toBe(true);
    expect(request).toMatch(/"secret":"\[REDACTED\]"$/);
    expect(request).not.toContain('sss');
  });

  it('without rules copies the text as it came, JSON or not', () => {
    const capture = new BodyCapture(null, 1_024);
    capture.request('not json, api_key=kept');
    expect(capture.bodies()).toMatchObject({ request: 'not json, api_key=kept', requestTruncated: false, response: null });
  });

  it('keeps stream chunks up to the limit, then only notes that there was more', () => {
    const capture = new BodyCapture(parseRedactRules(['choices.*.delta.content']), 1_024);
    const chunk = (n: number) => `data: {"choices":[{"delta":{"content":"${String(n).repeat(40)}"}}]}\n\n`;
    for (let n = 0; n < 10; n++) capture.chunk(chunk(n));
    const small = capture.bodies();
    expect(small.responseTruncated).toBe(false);
    expect(small.response!.match(/\[REDACTED\]/g)).toHaveLength(10);
    for (let n = 0; n < 100; n++) capture.chunk(chunk(n));
    const big = new BodyCapture(null, 1_024);
    for (let n = 0; n < 100; n++) big.chunk(chunk(n % 10));
    expect(big.bodies().responseTruncated).toBe(true);
    expect(Buffer.byteLength(big.bodies().response!)).toBe(1_024);
  });
});

describe('startCapture', () => {
  it('copies nothing for a service without capture', () => {
    const call = new CallDraft('req_1', 'POST', '/v1/chat/completions', traceFrom(() => undefined));
    expect(startCapture(call, service(), 1_024)).toBeUndefined();
    expect(captureOf(call)).toBeUndefined();
    call.finish(meter);
    expect(call.record).not.toHaveProperty('bodies');
  });

  it('gives the finished record its bodies, worked out when the record is first read', () => {
    const call = new CallDraft('req_2', 'POST', '/v1/chat/completions', traceFrom(() => undefined));
    const capture = startCapture(call, service({ redact: ['messages.*.content'] }), 1_024)!;
    expect(captureOf(call)).toBe(capture);
    capture.request('{"messages":[{"role":"user","content":"private"}]}');
    capture.response('{"id":"1"}');
    let worked = 0;
    const bodies = capture.bodies.bind(capture);
    capture.bodies = () => (worked++, bodies());
    call.finish(meter);
    expect(worked).toBe(0);
    // What a sink does with a batch: serialise it (the HTTP and queue sinks) or read the field (the store).
    const sent = JSON.parse(JSON.stringify(call.record));
    expect(sent.bodies).toEqual({ request: '{"messages":[{"role":"user","content":"[REDACTED]"}]}', response: '{"id":"1"}', requestTruncated: false, responseTruncated: false });
    expect(call.record.bodies).toEqual(sent.bodies);
    expect(worked).toBe(1);
  });
});

describe('BodyCapture memory', () => {
  it('holds only the kept prefix of a large body, not the whole body it was cut from', () => {
    // V8 makes a slice of a long string a view that keeps the whole parent alive: a capture waiting in the
    // meter's buffer must hold its 1 KiB, not the caller's 2 MB body.
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const captures: BodyCapture[] = [];
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 40; i++) {
      const capture = new BodyCapture(null, 1_024);
      capture.request(`{"q":"${String(i).padEnd(2_000_000, 'x')}"}`);
      capture.response(`{"a":"${String(i).padEnd(2_000_000, 'y')}"}`);
      captures.push(capture);
    }
    gc();
    const retainedMb = (process.memoryUsage().heapUsed - before) / 1e6;
    expect(captures[39]!.bodies().request).toMatch(/^\{"q":"39x+$/);
    expect(retainedMb).toBeLessThan(20);
  });
});
