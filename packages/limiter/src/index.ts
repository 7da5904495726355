export type { LimitDecision, LimitRule, Limiter } from './limiter';
export { MemoryLimiter } from './memory-limiter';
