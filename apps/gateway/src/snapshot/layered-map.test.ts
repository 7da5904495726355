import { describe, expect, it } from 'vitest';
import { LayeredMap } from './layered-map';

const entries = <K, V>(map: ReadonlyMap<K, V>) => [...map].sort(([a], [b]) => String(a).localeCompare(String(b)));

describe('LayeredMap', () => {
  const base = new Map([['a', 1], ['b', 2], ['c', 3]]);

  it('answers get, has, size and iteration as a Map with the changes applied, leaving the old maps as they were', () => {
    const one = LayeredMap.withChanges(base, [['d', 4], ['a', 10]], ['b']);
    expect(one).toBeInstanceOf(LayeredMap);
    expect([one.get('a'), one.get('b'), one.get('c'), one.get('d'), one.get('x')]).toEqual([10, undefined, 3, 4, undefined]);
    expect([one.has('a'), one.has('b'), one.has('d'), one.has('x')]).toEqual([true, false, true, false]);
    expect(one.size).toBe(3);
    expect(entries(one)).toEqual([['a', 10], ['c', 3], ['d', 4]]);
    expect([...one.keys()].sort()).toEqual(['a', 'c', 'd']);
    expect([...one.values()].sort((x, y) => x - y)).toEqual([3, 4, 10]);
    const seen: string[] = [];
    one.forEach((v, k) => seen.push(`${k}=${v}`));
    expect(seen.sort()).toEqual(['a=10', 'c=3', 'd=4']);

    // A change on top shares the base and copies the overlay: the previous map still answers as before.
    const two = LayeredMap.withChanges(one, [['b', 20]], ['d', 'c']);
    expect(entries(two)).toEqual([['a', 10], ['b', 20]]);
    expect(two.size).toBe(2);
    expect(entries(one)).toEqual([['a', 10], ['c', 3], ['d', 4]]);
    expect(entries(base)).toEqual([['a', 1], ['b', 2], ['c', 3]]);
    // Removing what only the overlay held leaves no tombstone.
    expect((two as LayeredMap<string, number>).overlaySize).toBe(3);
  });

  it('a key both removed and put ends up put; removing an absent key changes nothing', () => {
    const map = LayeredMap.withChanges(base, [['a', 5]], ['a', 'zz']);
    expect(map.get('a')).toBe(5);
    expect(map.size).toBe(3);
  });

  it('folds into a plain Map once the overlay passes the limit', () => {
    let map: ReadonlyMap<string, number> = base;
    for (let i = 0; i < 4; i++) map = LayeredMap.withChanges(map, [[`n${i}`, i]], i === 0 ? ['a'] : [], 4);
    expect(map).toBeInstanceOf(Map);
    // The tombstone of 'a' and four puts: five overlay entries, one past the limit.
    expect(entries(map)).toEqual([['b', 2], ['c', 3], ['n0', 0], ['n1', 1], ['n2', 2], ['n3', 3]]);
    expect(LayeredMap.withChanges(map, [['n4', 4]], [], 4)).toBeInstanceOf(LayeredMap);
    expect(entries(base)).toEqual([['a', 1], ['b', 2], ['c', 3]]);
  });
});
