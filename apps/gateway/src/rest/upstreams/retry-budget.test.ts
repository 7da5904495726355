import { afterEach, describe, expect, it } from 'vitest';
import type { RetryPolicy } from '@tollgate/domain';
import { createRestUpstreams, type RestUpstreamsRuntime } from './rest-upstreams';
import { manualClock, noFacts, none, service, serviceId, upstream } from './upstream-fixtures';

let runtime: RestUpstreamsRuntime | undefined;
afterEach(() => runtime?.close());

function setup(retries: Partial<RetryPolicy>) {
  const clock = manualClock(0);
  const rt = (runtime = createRestUpstreams({ now: clock.now }));
  const up = upstream('default', ['a', 'b'], { retries: { attempts: 2, budgetPercent: 20, minPerSecond: 3, ...retries } });
  rt.install([service([up])]);
  const calls = (n: number) => {
    for (let i = 0; i < n; i++) rt.lease(serviceId, up, noFacts, none)!.done({ kind: 'response', status: 200 });
  };
  const retriesAllowed = (max: number) => {
    let allowed = 0;
    while (allowed < max && rt.retryAllowed(serviceId, up)) allowed++;
    return allowed;
  };
  return { rt, up, clock, calls, retriesAllowed };
}

describe('retry budget', () => {
  it('allows the per-second floor with no traffic, and again the next second', () => {
    const { rt, clock, retriesAllowed } = setup({ minPerSecond: 3 });
    expect(retriesAllowed(100)).toBe(3);
    expect(rt.stats().retriesRefusedByBudget).toBe(1);
    clock.advance(999);
    expect(retriesAllowed(100)).toBe(0);
    clock.advance(1);
    expect(retriesAllowed(100)).toBe(3);
  });

  it('refuses retries past the percentage of calls in the window', () => {
    const { rt, calls, retriesAllowed } = setup({ minPerSecond: 0, budgetPercent: 20 });
    calls(100);
    expect(retriesAllowed(100)).toBe(20);
    expect(rt.stats().retriesRefusedByBudget).toBe(1);
    calls(10);
    expect(retriesAllowed(100)).toBe(2);
  });

  it('does not count retry attempts as calls', () => {
    const { rt, up, calls, retriesAllowed } = setup({ minPerSecond: 0, budgetPercent: 50 });
    calls(10);
    for (let i = 0; i < 10; i++) rt.lease(serviceId, up, noFacts, new Set(['a']))!.done({ kind: 'response', status: 200 });
    expect(retriesAllowed(100)).toBe(5);
  });

  it('recovers as the window slides', () => {
    const { clock, calls, retriesAllowed } = setup({ minPerSecond: 0, budgetPercent: 10 });
    calls(100);
    expect(retriesAllowed(100)).toBe(10);
    clock.advance(5_000);
    calls(50);
    expect(retriesAllowed(100)).toBe(5);
    // Ten seconds on, the first second's calls leave the window together with the retries they paid for.
    clock.advance(5_000);
    expect(retriesAllowed(100)).toBe(0);
    calls(50);
    expect(retriesAllowed(100)).toBe(5);
    clock.advance(5_000);
    expect(retriesAllowed(100)).toBe(0);
    clock.advance(5_000);
    calls(30);
    expect(retriesAllowed(100)).toBe(3);
  });

  it('adds the floor on top of the percentage', () => {
    const { calls, retriesAllowed } = setup({ minPerSecond: 2, budgetPercent: 10 });
    calls(50);
    // The first two are the floor, and they count against the percentage: 5 in all.
    expect(retriesAllowed(100)).toBe(5);
  });
});
