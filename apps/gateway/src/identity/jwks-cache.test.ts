import { afterEach, describe, expect, it } from 'vitest';
import { JwksRegistry, type JwksCache, type JwksOptions } from './jwks-cache';
import { signingKey, startJwksServer, type JwksServer } from '../testing/jwks-server';

/**
 * The JWKS cache against a real JWKS endpoint on loopback. The clock the cool-down reads is a counter the test
 * moves, so "30 s later" needs no waiting; background refreshes use a short real interval.
 */
const open: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function setup(o: Partial<JwksOptions> = {}) {
  const first = await signingKey('RS256', 'first');
  const server = await startJwksServer([first]);
  let clock = 1_000_000;
  const registry = new JwksRegistry({ refreshIntervalMs: 60_000, now: () => clock, ...o });
  open.push(server, registry);
  // The registry holds its users weakly: the test keeps this one alive for as long as it runs.
  const user = {};
  const cache = registry.cacheFor(server.url, user);
  return { first, server, registry, cache, user, advance: (ms: number) => (clock += ms) };
}

/** Waits until the cache has completed `n` fetches (the background ones included). */
async function fetched(cache: JwksCache, n: number): Promise<void> {
  for (let i = 0; i < 1_000 && cache.stats.fetches < n; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(cache.stats.fetches).toBeGreaterThanOrEqual(n);
}

describe('JWKS cache', () => {
  it('fetches as soon as a snapshot brings the URL, before any token asks', async () => {
    const { server, cache, first } = await setup();
    await server.answered(1);
    await fetched(cache, 1);
    expect(cache.keyCount).toBe(1);
    const found = await cache.lookup('first', 'RS256');
    expect(found.ok).toBe(true);
    expect(server.requests).toBe(1);
    // The kid is known but the key is RSA: an ES256 token naming it finds nothing to verify with.
    expect(await cache.lookup(first.kid, 'ES256')).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('refreshes on an unknown kid at most once per cool-down, however many tokens ask', async () => {
    const { server, cache, advance } = await setup();
    await fetched(cache, 1);
    const second = await signingKey('RS256', 'second');
    server.setKeys([second]);
    const lookups = await Promise.all(Array.from({ length: 50 }, () => cache.lookup(`random-${Math.random()}`, 'RS256')));
    expect(lookups.every((l) => !l.ok && l.reason === 'unknown_key')).toBe(true);
    expect(server.requests).toBe(2);
    expect(cache.stats.requestRefreshes).toBe(1);
    // The refresh those tokens caused brought the rotated-in key, and dropped the removed one.
    expect((await cache.lookup('second', 'RS256')).ok).toBe(true);
    expect(await cache.lookup('first', 'RS256')).toEqual({ ok: false, reason: 'unknown_key' });
    expect(server.requests).toBe(2);
    advance(29_999);
    await cache.lookup('still-unknown', 'RS256');
    expect(server.requests).toBe(2);
    advance(1);
    await cache.lookup('still-unknown', 'RS256');
    expect(server.requests).toBe(3);
  });

  it('picks up rotation in the background: a new key works, a removed one stops, without a token asking', async () => {
    const { server, cache } = await setup({ refreshIntervalMs: 50 });
    await fetched(cache, 1);
    const second = await signingKey('ES256', 'second');
    server.setKeys([second]);
    // One fetch may have been answered before the switch; the one after it was not.
    await fetched(cache, cache.stats.fetches + 2);
    expect(cache.keyCount).toBe(1);
    expect((await cache.lookup('second', 'ES256')).ok).toBe(true);
    expect(cache.stats.requestRefreshes).toBe(0);
    expect(await cache.lookup('first', 'RS256')).toEqual({ ok: false, reason: 'unknown_key' });
  });

  it('keeps the keys it had when a refresh fails', async () => {
    const { server, cache, advance } = await setup();
    await fetched(cache, 1);
    server.failWith(503);
    advance(30_000);
    expect(await cache.lookup('unknown', 'RS256')).toEqual({ ok: false, reason: 'unknown_key' });
    expect(cache.stats.failures).toBe(1);
    expect((await cache.lookup('first', 'RS256')).ok).toBe(true);
  });

  it('answers jwks_unavailable when the keys were never fetched, and counts it', async () => {
    const server = await startJwksServer([]);
    server.failWith(500);
    const registry = new JwksRegistry({ now: () => 5_000_000 });
    open.push(server, registry);
    const user = {};
    const cache = registry.cacheFor(server.url, user);
    expect(await cache.lookup('any', 'RS256')).toEqual({ ok: false, reason: 'jwks_unavailable' });
    expect(cache.stats.unavailable).toBe(1);
    expect(cache.lastError).toBeInstanceOf(Error);
    // The first token joined the install-time fetch; the next may cause one more, then the cool-down holds.
    expect(await cache.lookup('any', 'RS256')).toEqual({ ok: false, reason: 'jwks_unavailable' });
    for (let i = 0; i < 20; i++) expect(await cache.lookup('any', 'RS256')).toEqual({ ok: false, reason: 'jwks_unavailable' });
    expect(server.requests).toBe(2);
    expect(cache.stats).toMatchObject({ requestRefreshes: 1, unavailable: 22 });
  });

  it('does not keep a request waiting on a slow JWKS past its bound', async () => {
    const server = await startJwksServer([await signingKey('EdDSA', 'ed')]);
    server.hold();
    const registry = new JwksRegistry({ requestWaitMs: 100 });
    open.push(server, registry);
    const user = {};
    const cache = registry.cacheFor(server.url, user);
    const lookup = await cache.lookup('ed', 'EdDSA');
    // Answered while the JWKS server still holds the fetch: the request did not wait for it.
    expect(lookup).toEqual({ ok: false, reason: 'jwks_unavailable' });
    expect(server.pending).toBe(1);
    server.release();
    await fetched(cache, 1);
    expect((await cache.lookup('ed', 'EdDSA')).ok).toBe(true);
  });

  it('shares one cache per URL across snapshots', async () => {
    const { registry, server, cache } = await setup();
    const other = {};
    expect(registry.cacheFor(server.url, other)).toBe(cache);
    await fetched(cache, 1);
    expect(server.requests).toBe(1);
  });
});
