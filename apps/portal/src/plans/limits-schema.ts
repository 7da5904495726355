import { z } from 'zod';
import type { PlanLimits, RateLimits } from '@tollgate/domain';

const limit = z.number().int().positive();

/** Strict: a misspelt limit would otherwise vanish and leave unlimited what was meant to be limited. */
export const rateLimitsSchema = z
  .object({
    requestsPerSecond: limit.optional(),
    requestsPerMinute: limit.optional(),
    requestsPerDay: limit.optional(),
    tokensPerMinute: limit.optional(),
    tokensPerDay: limit.optional(),
  })
  .strict() satisfies z.ZodType<RateLimits>;

export const planLimitsSchema = rateLimitsSchema
  .extend({
    costBudgetMicroUsdPerMonth: limit.optional(),
    perKey: rateLimitsSchema.optional(),
    perIp: rateLimitsSchema.optional(),
    perModel: rateLimitsSchema.optional(),
    onLimiterUnavailable: z.enum(['open', 'closed', 'local']).optional(),
  })
  .strict() satisfies z.ZodType<PlanLimits>;

/** A monthly spend cap in micro-USD (1 USD = 1,000,000), or null to remove it. */
export const monthlyBudgetSchema = limit.nullable();
