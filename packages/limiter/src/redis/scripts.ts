import type { Redis } from 'ioredis';

/**
 * Check and count in one script, so no other gateway's hit can run between the read and the increment (the
 * race that lets Kong and APISIX exceed limits under load). All rules are checked before any is counted:
 * all or nothing.
 *
 * KEYS[2i-1], KEYS[2i]: current and previous cell of rule i.
 * ARGV[1]: now (ms, the caller's clock); then per rule: limit, windowMs, windowStart, cost, fixed (1: a fixed
 * window, whose previous cell does not count).
 * Returns { allowed (1|0), current1, previous1, current2, previous2, ... } as read before counting.
 */
const hitScript = `
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local reply = { 1 }
for i = 1, n do
  local a = 1 + (i - 1) * 5
  local limit, window, start, cost = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = 0
  if ARGV[a + 5] == '0' then previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0') end
  reply[2 * i] = current
  reply[2 * i + 1] = previous
  if previous * (1 - (now - start) / window) + current + cost > limit then reply[1] = 0 end
end
if reply[1] == 1 then
  for i = 1, n do
    local a = 1 + (i - 1) * 5
    local cost = tonumber(ARGV[a + 4])
    if cost > 0 then
      redis.call('INCRBY', KEYS[2 * i - 1], cost)
      redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * tonumber(ARGV[a + 2]))
    end
  end
end
return reply
`;

/**
 * Applies a batch of settlements: adds each delta to its cell, never below 0 (a cell that would reach 0 is
 * deleted, which reads as 0). INCRBY keeps the cell's expiry; a cell that expired meanwhile is only recreated
 * for a positive delta, with the time it still weighs on the window.
 *
 * KEYS[i]: a cell. ARGV[2i-1]: delta. ARGV[2i]: ms the cell still matters.
 */
const settleScript = `
for i = 1, #KEYS do
  local delta = tonumber(ARGV[2 * i - 1])
  local value = redis.call('GET', KEYS[i])
  if value then
    if tonumber(value) + delta <= 0 then
      redis.call('DEL', KEYS[i])
    else
      redis.call('INCRBY', KEYS[i], delta)
    end
  elseif delta > 0 then
    redis.call('SET', KEYS[i], delta, 'PX', ARGV[2 * i])
  end
end
return #KEYS
`;

/** The client once the scripts are defined on it: ioredis sends EVALSHA and falls back to EVAL after a restart. */
export interface ScriptedRedis extends Redis {
  tollgateLimiterHit(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number[]>;
  tollgateLimiterSettle(numKeys: number, ...keysAndArgs: (string | number)[]): Promise<number>;
}

export function defineScripts(client: Redis): ScriptedRedis {
  const scripted = client as ScriptedRedis;
  if (typeof scripted.tollgateLimiterHit !== 'function') client.defineCommand('tollgateLimiterHit', { lua: hitScript });
  if (typeof scripted.tollgateLimiterSettle !== 'function') client.defineCommand('tollgateLimiterSettle', { lua: settleScript });
  return scripted;
}
