import { callRecords, type Db } from '@tollgate/db';
import type { CallRecord } from '@tollgate/domain';

/** Writes one batch of call records in one transaction: a batch lands whole or not at all. */
export function insertCallRecords(db: Db, records: readonly CallRecord[]): void {
  if (records.length === 0) return;
  db.transaction((tx) => {
    // SQLite caps bound parameters per statement; 100 rows × 29 columns stays well under it.
    for (let i = 0; i < records.length; i += 100) {
      tx.insert(callRecords).values(records.slice(i, i + 100)).onConflictDoNothing().run();
    }
  });
}
