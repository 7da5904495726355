import { request, type Dispatcher } from 'undici';
import type { CallRecord } from '@tollgate/domain';
import type { CallRecordSink } from './call-meter';

/** The split shape's sink: batches go to the portal's internal endpoint (a BullMQ queue arrives with Redis). */
export function createPortalCallRecordSink(options: { portalUrl: string; internalToken: string; dispatcher?: Dispatcher }): CallRecordSink {
  const url = new URL('/api/internal/call-records', options.portalUrl).toString();
  return {
    async write(records: CallRecord[]) {
      const res = await request(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.internalToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records }),
        dispatcher: options.dispatcher,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`portal refused call records: ${res.statusCode} ${text.slice(0, 200)}`);
    },
  };
}
