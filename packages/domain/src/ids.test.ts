import { describe, expect, it } from 'vitest';
import { isId, newId, newTimeOrderedId, requestIdFrom } from './ids';

describe('time-ordered ids', () => {
  it('sort by their creation time, whatever their random part, and are ids of their kind', () => {
    const times = [0, 1, 255, 256, 1_700_000_000_000, 1_700_000_000_001, 2 ** 47];
    const ids = times.map((t) => newTimeOrderedId('callRecord', t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(isId('callRecord', id)).toBe(true);
    // Two in the same millisecond differ (96 random bits), and ids made now sort after ones made before.
    expect(newTimeOrderedId('callRecord', 5)).not.toBe(newTimeOrderedId('callRecord', 5));
    const earlier = newTimeOrderedId('callRecord', Date.now() - 1_000);
    expect(newTimeOrderedId('callRecord') > earlier).toBe(true);
  });

  it('are what a request without its own x-request-id gets; a valid one is kept', () => {
    const made = requestIdFrom(undefined);
    expect(made).toMatch(/^req_[0-9a-f]{12}[A-Za-z0-9_-]{16}$/);
    expect(isId('request', made)).toBe(true);
    expect(requestIdFrom('abc-123')).toBe('abc-123');
    // Random ids stay random: only rows written by the thousand need the order.
    expect(newId('callRecord')).toMatch(/^call_[A-Za-z0-9_-]{22}$/);
  });
});
