import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { pino } from 'pino';
import { startMockOpenAi, type MockOpenAi } from '@tollgate/providers';
import { startTestGateway } from '../testing/gateway-harness';
import { testKeys, testSnapshot } from '../testing/test-snapshot';
import { CallMeter } from './call-meter';

// A store that stopped answering: the gateway keeps serving, the meter's buffer stays at its bound, and what
// it cannot hold is counted on /metrics and logged — never lost silently.
let upstream: MockOpenAi;
beforeAll(async () => {
  upstream = await startMockOpenAi({ apiKey: 'sk-up' });
});
afterAll(() => upstream.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a slow or stopped store', () => {
  it('keeps the buffer at its bound, counts the overflow on /metrics and warns at most once per interval', async () => {
    const warnings: Array<{ msg: string; dropped: number; droppedTotal: number }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    let writes = 0;
    // The first write never completes, as with a portal or Redis that accepted the connection and hangs.
    const meter = new CallMeter({
      sink: { write: () => (writes++, new Promise<void>(() => {})) },
      logger,
      maxBuffered: 5,
      batchSize: 1_000,
      flushIntervalMs: 100,
      dropWarningIntervalMs: 1_000,
      shutdownRetryMs: 200,
    });
    const gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up' }), { meter });
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello there' }] };
    const metric = async (name: string) => {
      const families = parsePrometheusTextFormat(await (await fetch(`${gateway.url}/metrics`)).text());
      return Number(families.find((f) => f.name === name)?.metrics[0]?.value);
    };

    // The first call's record goes into the hung write with the next flush; every later flush waits on it.
    await client.chat.completions.create(ask);
    await sleep(250);
    expect(writes).toBe(1);
    expect(meter.buffered).toBe(0);
    // 12 more: 5 wait in the buffer, 7 do not fit. Every call was still answered.
    const answers = await Promise.all(Array.from({ length: 12 }, () => client.chat.completions.create(ask)));
    expect(answers.every((a) => a.choices[0]!.message.content)).toBe(true);
    expect(meter.buffered).toBe(5);
    expect(meter.stats).toMatchObject({ recorded: 6, dropped: 7 });
    expect(await metric('tollgate_gateway_meter_buffered')).toBe(5);
    expect(await metric('tollgate_gateway_meter_dropped')).toBe(7);
    // The flush is still hung, so nothing was retried: the failures gauge exists and reads 0.
    expect(await metric('tollgate_gateway_meter_failed_flushes')).toBe(0);
    // Seven drops, one warning so far.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ dropped: 1, droppedTotal: 1 });

    // Drops after the warning are reported once the interval has passed, even with no new drop to trigger it.
    await sleep(1_200);
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toMatchObject({ dropped: 6, droppedTotal: 7 });
    expect(warnings.every((w) => /records dropped/.test(w.msg))).toBe(true);
    await sleep(1_100);
    expect(warnings).toHaveLength(2);

    // Shutdown gives up on the hung store after its retry time and says how many records that cost.
    const started = Date.now();
    const { lost } = await meter.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(lost).toBe(6);
    expect(warnings.at(-1)).toMatchObject({ msg: expect.stringMatching(/lost on shutdown/), lost: 6 });
    await gateway.close();
  });

  it('counts failed writes on /metrics while the store refuses them', async () => {
    const meter = new CallMeter({
      sink: {
        write: () => {
          throw new Error('SQLITE_BUSY: database is locked');
        },
      },
      logger: pino({ level: 'silent' }),
      maxBuffered: 100,
      flushIntervalMs: 60_000,
      shutdownRetryMs: 0,
    });
    const gateway = await startTestGateway(testSnapshot({ providerUrl: upstream.url, providerKey: 'sk-up' }), { meter });
    const client = new OpenAI({ apiKey: testKeys.approved, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await meter.flush();
    await meter.flush();
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const value = (name: string) => Number(parsePrometheusTextFormat(text).find((f) => f.name === name)?.metrics[0]?.value);
    expect(value('tollgate_gateway_meter_failed_flushes')).toBe(2);
    expect(value('tollgate_gateway_meter_buffered')).toBe(1);
    expect(value('tollgate_gateway_meter_dropped')).toBe(0);
    expect((await meter.close()).lost).toBe(1);
    await gateway.close();
  });
});
