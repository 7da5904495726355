import type { SnapshotData, SnapshotDelta } from '@tollgate/domain';
import { applyDelta } from './apply-delta';
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

  /**
   * Installs `data` unless it is the revision already served, and says whether it swapped. With a `delta` that
   * starts at the served revision and ends at `data`'s, it applies the delta instead of indexing `data` anew
   * (ADR 0032); a delta from any other revision is ignored and `data` indexed in full.
   */
  install(data: SnapshotData, delta?: SnapshotDelta): boolean {
    if (this.#config?.revision === data.revision) return false;
    if (delta && delta.to === data.revision && this.applyDelta(delta)) return true;
    this.#config = indexSnapshot(data);
    return true;
  }

  /** Applies `delta` when it starts at the served revision; false (nothing changed) when it does not. */
  applyDelta(delta: SnapshotDelta): boolean {
    if (!this.#config || this.#config.revision !== delta.from) return false;
    this.#config = applyDelta(this.#config, delta);
    return true;
  }
}
