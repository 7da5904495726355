import type { NodeOutcome } from './contract';
import type { NodeState, UpstreamPool } from './upstream-pool';

export interface EjectionEvent {
  node: NodeState;
  pool: UpstreamPool;
  durationMs: number;
  reason: '5xx' | 'connect-failure';
}

/**
 * Passive outlier detection from the outcome of a real call. Returns the ejection it caused, if any.
 * A success clears both streaks; each failure kind has its own streak, so a node that alternates refusals and
 * 500s still crosses one of the thresholds.
 */
export function recordOutcome(pool: UpstreamPool, index: number, outcome: NodeOutcome, now: number): EjectionEvent | null {
  const node = pool.nodes[index]!;
  switch (outcome.kind) {
    case 'aborted':
      return null;
    case 'response':
      if (outcome.status < 500 || outcome.status > 599) {
        node.consecutive5xx = 0;
        node.consecutiveConnectFailures = 0;
        return null;
      }
      node.consecutive5xx++;
      break;
    case 'timeout':
      node.consecutive5xx++;
      break;
    case 'connect-failure':
      node.consecutiveConnectFailures++;
      break;
  }
  const policy = pool.config.outlier;
  const by5xx = policy.consecutive5xx > 0 && node.consecutive5xx >= policy.consecutive5xx;
  const byConnect = policy.consecutiveConnectFailures > 0 && node.consecutiveConnectFailures >= policy.consecutiveConnectFailures;
  if (!by5xx && !byConnect) return null;
  return tryEject(pool, index, now, byConnect ? 'connect-failure' : '5xx');
}

function tryEject(pool: UpstreamPool, index: number, now: number, reason: EjectionEvent['reason']): EjectionEvent | null {
  const node = pool.nodes[index]!;
  // Answers from calls leased before the ejection keep arriving; they must not extend it.
  if (node.ejectedUntil > now) return null;
  pool.refresh(now);
  const policy = pool.config.outlier;
  // The streak is kept when ejection is refused, so the next failure asks again once another node is back.
  if ((pool.ejectedCount + 1) * 100 > policy.maxEjectedPercent * pool.nodes.length) return null;
  const othersAvailable = pool.availableCount - pool.available[index]!;
  if (othersAvailable < 1) return null;

  if (node.timesEjected > 0 && policy.maxEjectionMs > 0) {
    // One step of forgiveness per max-ejection period of good behaviour since the last ejection ended.
    const quiet = Math.floor((now - node.ejectedUntil) / policy.maxEjectionMs);
    node.timesEjected = Math.max(0, node.timesEjected - quiet);
  }
  node.timesEjected++;
  const durationMs = Math.min(policy.baseEjectionMs * node.timesEjected, policy.maxEjectionMs);
  node.ejectedUntil = now + durationMs;
  node.consecutive5xx = 0;
  node.consecutiveConnectFailures = 0;
  pool.epoch.bump();
  return { node, pool, durationMs, reason };
}
