import type { ActiveHealthCheck, SnapshotUpstream } from '@tollgate/domain';
import { request, type Dispatcher } from 'undici';
import type { NodeState } from './upstream-pool';

export interface HealthTarget {
  /** Full URL of the probe: the node's URL (with its base path) plus the check's path. */
  url: string;
  headers: Record<string, string>;
  check: ActiveHealthCheck;
}

export interface HealthDeps {
  dispatcher: Dispatcher;
  random: () => number;
  /** Called when a node crosses a threshold, after its state changed. */
  onChange(node: NodeState, healthy: boolean, target: HealthTarget): void;
}

/**
 * Probes one node: one GET at a time (the next is scheduled only when the previous settled, so a slow node never
 * gets overlapping probes), started every `intervalMs`, on unref'd timers so checks never keep the process up.
 */
class NodeChecker {
  #timer: NodeJS.Timeout | null = null;
  #abort: AbortController | null = null;
  #stopped = false;

  constructor(
    readonly node: NodeState,
    public target: HealthTarget,
    readonly fingerprint: string,
    readonly deps: HealthDeps,
  ) {}

  start(): void {
    // A little jitter keeps a fresh snapshot from probing every node in the same millisecond.
    this.#schedule(Math.floor(this.deps.random() * Math.min(this.target.check.intervalMs * 0.1, 1_000)));
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort?.abort();
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#run(), delayMs);
    this.#timer.unref();
  }

  async #run(): Promise<void> {
    this.#timer = null;
    const started = performance.now();
    const passed = await this.#probe();
    if (this.#stopped) return;
    this.#apply(passed);
    this.#schedule(Math.max(0, this.target.check.intervalMs - (performance.now() - started)));
  }

  async #probe(): Promise<boolean> {
    const { url, headers, check } = this.target;
    const abort = new AbortController();
    this.#abort = abort;
    const deadline = setTimeout(() => abort.abort(), check.timeoutMs);
    deadline.unref();
    try {
      const response = await request(url, {
        method: 'GET',
        headers,
        dispatcher: this.deps.dispatcher,
        signal: abort.signal,
        headersTimeout: check.timeoutMs,
        bodyTimeout: check.timeoutMs,
      });
      // Read (and bound) the body so the connection goes back to the pool instead of being torn down.
      await response.body.dump({ limit: 64 * 1024, signal: abort.signal });
      return response.statusCode >= 200 && response.statusCode < 400;
    } catch {
      return false;
    } finally {
      clearTimeout(deadline);
      this.#abort = null;
    }
  }

  #apply(passed: boolean): void {
    const node = this.node;
    const check = this.target.check;
    if (passed) {
      node.checkFailures = 0;
      node.checkPasses++;
      if (!node.healthy && node.checkPasses >= check.healthyThreshold) {
        node.healthy = true;
        this.deps.onChange(node, true, this.target);
      }
    } else {
      node.checkPasses = 0;
      node.checkFailures++;
      if (node.healthy && node.checkFailures >= check.unhealthyThreshold) {
        node.healthy = false;
        this.deps.onChange(node, false, this.target);
      }
    }
  }
}

export function healthTarget(nodeUrl: string, upstream: SnapshotUpstream, check: ActiveHealthCheck): HealthTarget {
  const base = nodeUrl.endsWith('/') ? nodeUrl.slice(0, -1) : nodeUrl;
  const path = check.path.startsWith('/') ? check.path : `/${check.path}`;
  const headers: Record<string, string> = { 'user-agent': 'tollgate-health-check' };
  // The probe must reach the node the way calls do: through an ingress by name, past an upstream API key.
  if (upstream.hostHeader) headers.host = upstream.hostHeader;
  if (upstream.credential) headers[upstream.credential.header.toLowerCase()] = upstream.credential.value;
  return { url: base + path, headers, check };
}

/** What restarts a probe loop; thresholds are not in it, they are read live. */
function fingerprintOf(target: HealthTarget): string {
  return JSON.stringify([target.url, target.headers, target.check.intervalMs, target.check.timeoutMs]);
}

/** The set of running checkers, reconciled with each snapshot by node identity. */
export class HealthCheckers {
  readonly #byNode = new Map<string, NodeChecker>();

  constructor(readonly deps: HealthDeps) {}

  /** `wanted`: node identity → node and its probe. Checkers of nodes not in it stop. */
  sync(wanted: ReadonlyMap<string, { node: NodeState; target: HealthTarget }>): void {
    for (const [identity, checker] of this.#byNode) {
      const next = wanted.get(identity);
      if (next && next.node === checker.node && fingerprintOf(next.target) === checker.fingerprint) {
        checker.target = next.target;
        continue;
      }
      checker.stop();
      this.#byNode.delete(identity);
    }
    for (const [identity, { node, target }] of wanted) {
      if (this.#byNode.has(identity)) continue;
      const checker = new NodeChecker(node, target, fingerprintOf(target), this.deps);
      this.#byNode.set(identity, checker);
      checker.start();
    }
  }

  get size(): number {
    return this.#byNode.size;
  }

  close(): void {
    for (const checker of this.#byNode.values()) checker.stop();
    this.#byNode.clear();
  }
}
