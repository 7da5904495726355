import { ApiError, apiErrorOf } from '../api/client';

/** One server-sent event of a prompt run: `delta` with a piece of text, then `done` (the whole answer) or `error`. */
interface RunEvent {
  event: string;
  data: unknown;
}

function parseEvent(block: string): RunEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (!data.length) return null;
  try {
    return { event, data: JSON.parse(data.join('\n')) as unknown };
  } catch {
    return null;
  }
}

/**
 * Test-runs a prompt with `stream: true` and hands each piece of the answer to `onText` as it arrives; resolves
 * with the final `done` event's data (output, model, usage). A refusal before the stream starts is the portal's
 * JSON error, an `error` event inside it becomes an ApiError too, so the panel shows both the same way.
 */
export async function streamTestRun(promptId: string, body: Record<string, unknown>, onText: (text: string) => void): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`/api/prompts/${promptId}/test-run`, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
    });
  } catch (err) {
    throw new ApiError(0, 'network_error', `The portal could not be reached (${(err as Error).message}). Check your connection and try again.`, null);
  }
  if (!res.ok || !res.body || !(res.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const parsed: unknown = await res.json().catch(() => null);
    if (!res.ok) throw apiErrorOf(res, parsed);
    return parsed;
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let done: unknown = undefined;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) break;
    buffer += chunk.value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const e = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (!e) continue;
      const data = (e.data ?? {}) as { text?: unknown; code?: string; message?: string };
      if (e.event === 'delta' && typeof data.text === 'string') onText(data.text);
      else if (e.event === 'done') done = e.data;
      else if (e.event === 'error') throw new ApiError(502, data.code ?? 'stream_error', data.message ?? 'The answer stopped with an error.', res.headers.get('x-request-id'));
    }
  }
  if (done === undefined) throw new ApiError(502, 'stream_interrupted', 'The answer stopped before it was complete.', res.headers.get('x-request-id'));
  return done;
}
