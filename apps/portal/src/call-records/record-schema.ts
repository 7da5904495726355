import { z } from 'zod';
import type { CallRecord } from '@tollgate/domain';

const count = z.number().int().nonnegative();
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
  inputTokens: count,
  cacheReadTokens: count,
  cacheWriteTokens: count,
  outputTokens: count,
  reasoningTokens: count,
  costMicroUsd: count,
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
