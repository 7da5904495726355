import { isUnifiedApiPath } from '../../errors';
import { locateService } from '../../rest/route-table';
import type { SnapshotSource } from '../../snapshot/snapshot-source';
import type { HttpAccessLogEntry } from './entry';

/**
 * Whether an access-log entry no check allowed was still a call Tollgate should have decided: the unified
 * API's paths, or a REST service's host or slug in the snapshot being served. The ingress logs every call it
 * serves, and calls to services Tollgate does not manage are none of its business.
 */
export function accessLogNamesTollgateCall(snapshots: SnapshotSource): (entry: HttpAccessLogEntry) => boolean {
  return (entry) => {
    const path = (entry.path ?? '/').split('?', 1)[0]!;
    if (isUnifiedApiPath(path)) return true;
    const config = snapshots.current();
    // Before the first snapshot nothing can be told apart: counted as unchecked rather than ignored.
    if (!config) return true;
    return locateService(config.rest, entry.authority ?? undefined, path) !== null;
  };
}
