import type { Redis } from 'ioredis';

/**
 * Check and count in one script, so no other gateway's hit can run between the read and the increment (the
 * race that lets Kong and APISIX exceed limits under load). All rules are checked before any is counted:
 * all or nothing.
 *
 * KEYS[2i-1], KEYS[2i]: current and previous cell of rule i.
 * ARGV[1]: now (ms, the caller's clock); then per rule: limit, windowMs, windowStart, cost, fixed (1: a fixed
 * window, whose previous cell does not count), need (the least it is admitted with: the cost, or an elastic
 * rule's minimum; an elastic rule counts the room left, between need and cost, as `reserved` in
 * sliding-window.ts does).
 * Returns { allowed (1|0), current1, previous1, ..., currentN, previousN, counted1, ..., countedN }, the cells
 * as read before counting and, when allowed, what was counted per rule.
 */
const hitScript = `
local now = tonumber(ARGV[1])
local n = #KEYS / 2
local reply = { 1 }
local estimates = {}
for i = 1, n do
  local a = 1 + (i - 1) * 6
  local limit, window, start, need = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 6])
  local current = tonumber(redis.call('GET', KEYS[2 * i - 1]) or '0')
  local previous = 0
  if ARGV[a + 5] == '0' then previous = tonumber(redis.call('GET', KEYS[2 * i]) or '0') end
  reply[2 * i] = current
  reply[2 * i + 1] = previous
  estimates[i] = previous * (1 - (now - start) / window) + current
  if estimates[i] + need > limit then reply[1] = 0 end
end
for i = 1, n do
  local a = 1 + (i - 1) * 6
  local limit, cost, need = tonumber(ARGV[a + 1]), tonumber(ARGV[a + 4]), tonumber(ARGV[a + 6])
  local counted = 0
  if reply[1] == 1 then
    counted = cost
    if need < cost then counted = math.max(need, math.min(cost, math.floor(limit - estimates[i]))) end
    if counted > 0 then
      redis.call('INCRBY', KEYS[2 * i - 1], counted)
      redis.call('PEXPIRE', KEYS[2 * i - 1], 2 * tonumber(ARGV[a + 2]))
    end
  end
  reply[2 * n + 1 + i] = counted
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
