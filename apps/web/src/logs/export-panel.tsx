import { useRef, useState } from 'react';
import { ApiError, apiErrorOf, query } from '../api/client';
import { formatBytes, formatCount } from '../charts/format';
import { ErrorNote } from '../ui/states';

type Format = 'csv' | 'ndjson';
type Progress = { bytes: number; rows: number };
type ExportState =
  | { kind: 'idle' }
  | ({ kind: 'running' } & Progress)
  | ({ kind: 'done'; file: string } & Progress)
  | { kind: 'cancelled' }
  | { kind: 'failed'; error: unknown };

const newline = 0x0a;
const quote = 0x22;

/**
 * Counts the records in what has arrived so far. NDJSON: one per line. CSV: a line break ends a row only
 * outside quotes (a quoted error message or body can hold line breaks), and the first row is the header.
 * Byte by byte is safe in UTF-8: no byte of a multi-byte character equals `"` or `\n`.
 */
function rowCounter(format: Format) {
  let inQuotes = false;
  let lines = 0;
  return {
    add(chunk: Uint8Array) {
      for (const byte of chunk) {
        if (format === 'csv' && byte === quote) inQuotes = !inQuotes;
        else if (byte === newline && !inQuotes) lines += 1;
      }
    },
    rows: () => (format === 'csv' ? Math.max(lines - 1, 0) : lines),
  };
}

function save(parts: BlobPart[], type: string, file: string) {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = file;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken the blob by the next tick; the memory is freed after a margin.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Exports the records the filters select, as CSV or NDJSON. The answer is streamed: the page counts bytes
 * and rows as they arrive (an export has no length up front), can be cancelled, and saves the file at the end.
 */
export function ExportPanel({ params, disabled }: { params: Record<string, string | number | undefined>; disabled: boolean }) {
  const [format, setFormat] = useState<Format>('csv');
  const [includeBodies, setIncludeBodies] = useState(false);
  const [state, setState] = useState<ExportState>({ kind: 'idle' });
  const abort = useRef<AbortController | null>(null);

  const run = async () => {
    const controller = new AbortController();
    abort.current = controller;
    setState({ kind: 'running', bytes: 0, rows: 0 });
    try {
      const res = await fetch(`/api/call-records/export${query({ ...params, format, includeBodies: includeBodies ? 'true' : undefined })}`, {
        credentials: 'same-origin',
        signal: controller.signal,
      });
      if (!res.ok) throw apiErrorOf(res, await res.json().catch(() => null));
      const reader = res.body!.getReader();
      const counter = rowCounter(format);
      const parts: Uint8Array[] = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.byteLength;
        counter.add(value);
        setState({ kind: 'running', bytes, rows: counter.rows() });
      }
      const file = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `call-records.${format}`;
      save(parts as BlobPart[], res.headers.get('content-type') ?? 'application/octet-stream', file);
      setState({ kind: 'done', bytes, rows: counter.rows(), file });
    } catch (err) {
      if (controller.signal.aborted) setState({ kind: 'cancelled' });
      else setState({ kind: 'failed', error: err instanceof ApiError ? err : new Error(`The export was cut off (${(err as Error).message}); nothing was saved. Try again.`) });
    } finally {
      abort.current = null;
    }
  };

  const running = state.kind === 'running';
  return (
    <section className="export-panel" aria-labelledby="export-title">
      <h2 id="export-title" className="export-title">Export the records these filters select</h2>
      <div className="export-controls">
        <fieldset className="inline-choice" disabled={running}>
          <legend className="visually-hidden">Export format</legend>
          {(['csv', 'ndjson'] as const).map((f) => (
            <label key={f}>
              <input type="radio" name="export-format" value={f} checked={format === f} onChange={() => setFormat(f)} /> {f === 'csv' ? 'CSV' : 'NDJSON'}
            </label>
          ))}
          <label>
            <input type="checkbox" checked={includeBodies} onChange={(e) => setIncludeBodies(e.target.checked)} /> With bodies
          </label>
        </fieldset>
        {running ? (
          <button type="button" className="button button-secondary" onClick={() => abort.current?.abort()}>Cancel export</button>
        ) : (
          <button type="button" className="button" disabled={disabled} onClick={() => void run()}>Export records</button>
        )}
      </div>
      <div role="status" className="export-status">
        {state.kind === 'running' ? (
          <>
            <progress aria-label="Export progress" />{' '}
            <span>{formatCount(state.rows)} rows, {formatBytes(state.bytes)} so far…</span>
          </>
        ) : state.kind === 'done' ? (
          <span>Saved {state.file}: {formatCount(state.rows)} rows, {formatBytes(state.bytes)}.</span>
        ) : state.kind === 'cancelled' ? (
          <span>Export cancelled; nothing was saved.</span>
        ) : null}
      </div>
      {state.kind === 'failed' ? <ErrorNote error={state.error} title="The export failed" /> : null}
    </section>
  );
}
