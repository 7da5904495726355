import { request, type Dispatcher } from 'undici';
import type { CallRecord } from '@tollgate/domain';
import { RejectedBatchError, type CallRecordSink } from './call-meter';

/** The portal accepts this many records per request; larger batches are sent in parts. */
const recordsPerRequest = 1_000;

/** The split shape's sink: batches go to the portal's internal endpoint (a BullMQ queue arrives with Redis). */
export function createPortalCallRecordSink(options: { portalUrl: string; internalToken: string; dispatcher?: Dispatcher }): CallRecordSink {
  const url = new URL('/api/internal/call-records', options.portalUrl).toString();
  return {
    async write(records: CallRecord[]) {
      for (let i = 0; i < records.length; i += recordsPerRequest) {
        const res = await request(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.internalToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ records: records.slice(i, i + recordsPerRequest) }),
          dispatcher: options.dispatcher,
        });
        const text = await res.body.text();
        if (res.statusCode === 200) continue;
        const message = `portal refused call records: ${res.statusCode} ${text.slice(0, 300)}`;
        // 400 and 413 judge the records themselves; 401, 5xx and the like may pass on a later try.
        throw res.statusCode === 400 || res.statusCode === 413 ? new RejectedBatchError(message) : new Error(message);
      }
    },
  };
}
