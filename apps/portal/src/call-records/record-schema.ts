import { z } from 'zod';
import { MAX_TOKENS_PER_CALL, totalInputTokens, totalOutputTokens, type CallRecord } from '@tollgate/domain';

// Safe integers only: `.int()` alone takes 1e308, which SQLite would store as a float nobody can add up.
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** A call's token count: at most what one call may use (ADR 0026), whichever gateway sent it. */
const tokens = count.max(MAX_TOKENS_PER_CALL, `must be at most ${MAX_TOKENS_PER_CALL} tokens per call`);
const nullableText = z.string().max(2048).nullable();
/**
 * A call record as a gateway sends it, over the internal HTTP channel or as a BullMQ job: both paths check
 * it with this one schema before the store sees it, so a bad record is refused the same way on either.
 */
export const callRecordSchema = z.object({
  id: z.string().min(1).max(128),
  requestId: z.string().min(1).max(128),
  startedAt: count,
  teamId: nullableText,
  appId: nullableText,
  keyId: nullableText,
  serviceId: nullableText,
  subscriptionId: nullableText,
  providerId: nullableText,
  model: nullableText,
  upstreamModel: nullableText,
  method: z.string().min(1).max(16),
  path: z.string().min(1).max(2048),
  status: z.number().int().min(100).max(599),
  failed: z.boolean(),
  stream: z.boolean(),
  latencyMs: count,
  ttftMs: count.nullable(),
  bytesIn: count,
  bytesOut: count,
  inputTokens: tokens,
  cacheReadTokens: tokens,
  cacheWriteTokens: tokens,
  outputTokens: tokens,
  reasoningTokens: tokens,
  costMicroUsd: count,
  // Absent from an older gateway's records: their counts are the provider's.
  usageProblem: z.enum(['usage_invalid', 'usage_missing']).nullable().default(null),
  errorCode: nullableText,
  errorMessage: nullableText,
  // Defaults keep records from gateways older than prompt APIs acceptable.
  promptId: nullableText.default(null),
  promptVersion: count.nullable().default(null),
  keyPrefix: z.string().max(64).nullable().default(null),
  api: z.string().max(256).nullable().default(null),
  traceId: z.string().regex(/^[0-9a-f]{32}$/).nullable().default(null),
  // REST calls (ADR 0018); absent from an older gateway's records.
  route: z.string().max(512).nullable().default(null),
  upstream: z.string().max(64).nullable().default(null),
  upstreamNode: z.string().max(512).nullable().default(null),
  bodies: z
    .object({ request: z.string().nullable(), response: z.string().nullable(), requestTruncated: z.boolean(), responseTruncated: z.boolean() })
    .nullable()
    .optional(),
}).refine((r) => totalInputTokens(r) + totalOutputTokens(r) <= MAX_TOKENS_PER_CALL, {
  message: `the token counts add up to more than the ${MAX_TOKENS_PER_CALL} one call may use`,
  path: ['tokens'],
}) satisfies z.ZodType<CallRecord>;

/** One batch: the most records a gateway sends at once (it sends 1,000 per request and 500 per job). */
export const callRecordBatchSchema = z.object({ records: z.array(callRecordSchema).max(10_000) });

/**
 * Checks each record on its own: one bad record (say a provider's oversized model name) must not cost the
 * valid records sent with it, which may be other teams' calls. Returns the valid ones and what was wrong with
 * the others, by position.
 */
export function checkCallRecords(items: readonly unknown[]): { valid: CallRecord[]; invalid: Array<{ index: number; problem: string }> } {
  const valid: CallRecord[] = [];
  const invalid: Array<{ index: number; problem: string }> = [];
  items.forEach((item, index) => {
    const parsed = callRecordSchema.safeParse(item);
    if (parsed.success) valid.push(parsed.data);
    else invalid.push({ index, problem: `records.${index}.${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}` });
  });
  return { valid, invalid };
}

/** A batch as sent: the records are checked one by one with `checkCallRecords`. */
export const sentCallRecordBatchSchema = z.object({ records: z.array(z.unknown()).max(10_000) });
