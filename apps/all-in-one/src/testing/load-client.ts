import OpenAI from 'openai';

export interface LoadResult {
  /** Answers received whole: a completion with its message, or a stream that ended with a finish reason. */
  complete: number;
  streamed: number;
  /** Calls that failed (refused connections once the gateway stopped, cut streams, error statuses). */
  failed: number;
  /** The first few failure messages, for a test's diagnostics. */
  errors: string[];
}

/**
 * Keeps `concurrency` chat calls going against a gateway with the official SDK (every `streamEvery`-th one
 * streamed) until `stop()` or until the gateway refuses connections, and at most for `maxMs`. No SDK retries:
 * a retried call could be stored twice for one answer, which would hide exactly what the tests count.
 */
export function startChatLoad(o: { baseURL: string; apiKey: string; concurrency?: number; streamEvery?: number; maxMs?: number }) {
  const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0, timeout: 15_000 });
  const result: LoadResult = { complete: 0, streamed: 0, failed: 0, errors: [] };
  const deadline = Date.now() + (o.maxMs ?? 20_000);
  const streamEvery = o.streamEvery ?? 4;
  let stopped = false;
  let n = 0;

  async function call(stream: boolean): Promise<boolean> {
    const ask = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: `load call ${n}` }] };
    if (!stream) {
      const completion = await client.chat.completions.create(ask);
      return Boolean(completion.choices[0]?.message.content);
    }
    let finished = false;
    for await (const chunk of await client.chat.completions.create({ ...ask, stream: true })) {
      if (chunk.choices[0]?.finish_reason) finished = true;
    }
    return finished;
  }

  async function worker(): Promise<void> {
    while (!stopped && Date.now() < deadline) {
      const stream = n++ % streamEvery === 0;
      try {
        if (!(await call(stream))) throw new Error('incomplete answer');
        result.complete++;
        if (stream) result.streamed++;
      } catch (err) {
        result.failed++;
        const message = err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err);
        if (result.errors.length < 5) result.errors.push(message);
        // The gateway is gone: this worker is done (others finish what they have in flight).
        if (/ECONNREFUSED|Connection error/i.test(message)) return;
      }
    }
  }

  const workers = Promise.all(Array.from({ length: o.concurrency ?? 50 }, worker));
  return {
    result,
    /** Resolves once every worker stopped: after `stop()`, the gateway refusing them, or `maxMs`. */
    done: workers.then(() => result),
    stop(): Promise<LoadResult> {
      stopped = true;
      return workers.then(() => result);
    },
  };
}
