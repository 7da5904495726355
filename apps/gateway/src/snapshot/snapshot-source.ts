import type { SnapshotData } from '@tollgate/domain';
import { indexSnapshot, type GatewayConfig } from './gateway-config';

/** Where the gateway gets its config. `current()` is a field read: no I/O on the request path. */
export interface SnapshotSource {
  current(): GatewayConfig | null;
}

/**
 * Holds the live snapshot and swaps it atomically: a request captures `current()` once and sees one revision
 * from start to end, while the next request already sees the new one.
 */
export class SnapshotHolder implements SnapshotSource {
  #config: GatewayConfig | null = null;

  current(): GatewayConfig | null {
    return this.#config;
  }

  /** Indexes and installs `data` unless it is the revision already served. Returns whether it swapped. */
  install(data: SnapshotData): boolean {
    if (this.#config?.revision === data.revision) return false;
    this.#config = indexSnapshot(data);
    return true;
  }
}
