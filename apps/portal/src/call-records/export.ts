import { getTableColumns, type SQL } from 'drizzle-orm';
import type { Logger } from 'pino';
import { callRecords, type Db } from '@tollgate/db';
import { csvRow } from './csv';
import type { Cursor } from './query';
import { bodiesView, readBodies, readRecords, type CallBodiesRow, type CallRecordRow, type Visibility } from './read';

export type ExportFormat = 'csv' | 'ndjson';

export interface ExportOptions {
  db: Db;
  visibility: Visibility;
  filters: SQL[];
  format: ExportFormat;
  includeBodies: boolean;
  logger: Pick<Logger, 'error'>;
  /** Records read per chunk; each chunk is one or two short queries, so other requests run between chunks. */
  chunkRows?: number;
}

export const exportContentTypes: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

// The JSON field names of a record, in table order: the CSV header and the NDJSON keys are the same words.
const recordFields = Object.keys(getTableColumns(callRecords)) as Array<keyof CallRecordRow>;
const bodyFields = ['requestBody', 'responseBody', 'requestTruncated', 'responseTruncated'] as const;

function formatRow(record: CallRecordRow, bodies: CallBodiesRow | undefined, format: ExportFormat, includeBodies: boolean): string {
  if (format === 'ndjson') return `${JSON.stringify(includeBodies ? { ...record, bodies: bodiesView(bodies) } : record)}\n`;
  const values: unknown[] = recordFields.map((field) => record[field]);
  if (includeBodies) values.push(...bodyFields.map((field) => bodies?.[field] ?? null));
  return csvRow(values);
}

/**
 * The export as a pull stream: a chunk of records is read only when the client has taken the previous one, so
 * a slow download holds at most one chunk in memory and never a whole file, and nothing is held open on the
 * database while the client takes a chunk (an open iterator would hold the connection, and on better-sqlite3
 * block every other request). There is
 * no row cap: memory and each query stay bounded however long the export runs. A failure mid-way errors the
 * stream, so the client sees a cut-off download rather than a clean, silently short file.
 */
export function exportStream(o: ExportOptions): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const chunkRows = o.chunkRows ?? 1_000;
  let cursor: Cursor | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        let text = '';
        if (!started && o.format === 'csv') text += csvRow(o.includeBodies ? [...recordFields, ...bodyFields] : recordFields);
        started = true;
        const rows = await readRecords(o.db, o.visibility, o.filters, cursor, chunkRows);
        const bodies = o.includeBodies ? await readBodies(o.db, rows.map((r) => r.id)) : undefined;
        for (const row of rows) text += formatRow(row, bodies?.get(row.id), o.format, o.includeBodies);
        if (text) controller.enqueue(encoder.encode(text));
        const last = rows.at(-1);
        if (rows.length < chunkRows || !last) controller.close();
        else cursor = { startedAt: last.startedAt, id: last.id };
      } catch (err) {
        o.logger.error({ err }, 'call record export failed');
        controller.error(err);
      }
    },
  });
}
