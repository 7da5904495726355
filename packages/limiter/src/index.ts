export type { LimitDecision, LimitRule, Limiter, Reservation, ReservedCell, RuleState } from './limiter';
export { MemoryLimiter, type MemoryLimiterOptions } from './memory-limiter';
export { RedisLimiter, fastFailRedisOptions, type LimiterLogger, type RedisLimiterOptions, type RedisLimiterStats } from './redis/redis-limiter';
