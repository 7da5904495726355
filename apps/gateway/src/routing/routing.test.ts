import { describe, expect, it } from 'vitest';
import type { ModelTarget } from '@tollgate/domain';
import { orderTargets } from './target-order';
import { CircuitBreakers } from './circuit-breaker';
import { retryAfterMs } from '../forward/upstream-call';

const t = (model: string, weight?: number): ModelTarget => ({ providerId: 'prv_1234567890', model, ...(weight === undefined ? {} : { weight }) });

describe('orderTargets', () => {
  it('keeps the listed order when no target has a weight', () => {
    expect(orderTargets([t('a'), t('b'), t('c')]).map((x) => x.model)).toEqual(['a', 'b', 'c']);
  });

  it('draws the first target in proportion to its weight, keeps the rest as fallbacks, weight 0 last', () => {
    const targets = [t('a', 3), t('b', 1), t('c', 0)];
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const firsts = { a: 0, b: 0 } as Record<string, number>;
    for (let i = 0; i < 4_000; i++) {
      const order = orderTargets(targets, random).map((x) => x.model);
      expect(order).toHaveLength(3);
      expect(order[2]).toBe('c');
      firsts[order[0]!]!++;
    }
    // 3:1 within a few percent over 4,000 draws.
    expect(firsts.a! / 4_000).toBeGreaterThan(0.72);
    expect(firsts.a! / 4_000).toBeLessThan(0.78);
  });
});

describe('CircuitBreakers', () => {
  it('opens after consecutive failures, moves the target last, and lets a trial through after the open period', () => {
    const breakers = new CircuitBreakers({ failureThreshold: 2, openMs: 1_000 });
    const [a, b] = [t('a'), t('b')];
    breakers.failure(a, 0);
    expect(breakers.arrange([a, b], 10).map((x) => x.model)).toEqual(['a', 'b']);
    breakers.failure(a, 20);
    expect(breakers.isOpen(a, 30)).toBe(true);
    expect(breakers.arrange([a, b], 30).map((x) => x.model)).toEqual(['b', 'a']);
    // Half-open: after the open period it is tried again; one more failure opens it at once.
    expect(breakers.isOpen(a, 1_021)).toBe(false);
    breakers.failure(a, 1_021);
    expect(breakers.isOpen(a, 1_022)).toBe(true);
    breakers.success(a);
    expect(breakers.isOpen(a, 1_023)).toBe(false);
  });

  it('still offers every target when all circuits are open', () => {
    const breakers = new CircuitBreakers({ failureThreshold: 1 });
    breakers.failure(t('a'));
    breakers.failure(t('b'));
    expect(breakers.arrange([t('a'), t('b')])).toHaveLength(2);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and ignores nonsense', () => {
    expect(retryAfterMs('2')).toBe(2_000);
    expect(retryAfterMs('0.25')).toBe(250);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 7_000)).toBe(3_000);
    expect(retryAfterMs('soon')).toBeNull();
    expect(retryAfterMs(undefined)).toBeNull();
  });
});
