import { request, type Dispatcher } from 'undici';
import type { CallRecord } from '@tollgate/domain';
import { partsBySize } from '@tollgate/jobs';
import { RejectedBatchError, type CallRecordSink } from './call-meter';

/** The portal accepts this many records per request; larger batches are sent in parts. */
const recordsPerRequest = 1_000;
/**
 * And at most 32 MiB per request: records with captured bodies (up to TOLLGATE_CAPTURE_MAX_BYTES each way)
 * are big, so parts are cut by size too. Counted in characters, which with JSON escaping stays under the limit.
 */
const charsPerRequest = 8 * 1024 * 1024;

/** The split shape's sink: batches go to the portal's internal endpoint (a BullMQ queue arrives with Redis). */
export function createPortalCallRecordSink(options: { portalUrl: string; internalToken: string; dispatcher?: Dispatcher }): CallRecordSink {
  const url = new URL('/api/internal/call-records', options.portalUrl).toString();
  const send = async (records: string[]) => {
    const res = await request(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.internalToken}`, 'content-type': 'application/json' },
      body: `{"records":[${records.join(',')}]}`,
      dispatcher: options.dispatcher,
    });
    const text = await res.body.text();
    if (res.statusCode === 200) {
      // The portal stores the valid records of a part and names the ones it could not.
      const answer = JSON.parse(text) as { rejected?: number; problems?: Array<{ problem: string }> };
      if (answer.rejected) throw new RejectedBatchError(`portal refused ${answer.rejected} call records: ${answer.problems?.[0]?.problem ?? ''}`, answer.rejected);
      return;
    }
    const message = `portal refused call records: ${res.statusCode} ${text.slice(0, 300)}`;
    // 400 and 413 judge the records themselves; 401, 5xx and the like may pass on a later try.
    throw res.statusCode === 400 || res.statusCode === 413 ? new RejectedBatchError(message) : new Error(message);
  };
  return {
    async write(records: CallRecord[]) {
      // A part the portal refuses (one bad record in it) must not cost the parts after it, which may hold
      // other teams' records: the rest are still sent, and only the refused parts are reported as rejected.
      const refused = { records: 0, message: '' };
      const sendPart = async (part: string[]) => {
        try {
          await send(part);
        } catch (err) {
          if (!(err instanceof RejectedBatchError)) throw err;
          refused.records += err.records ?? part.length;
          refused.message ||= err.message;
        }
      };
      for (const part of partsBySize(records, recordsPerRequest, charsPerRequest)) await sendPart(part.json);
      if (refused.records) throw new RejectedBatchError(refused.message, refused.records);
    },
  };
}
