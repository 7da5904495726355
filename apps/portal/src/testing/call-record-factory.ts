import { blankCallRecord, newId, type CallRecord } from '@tollgate/domain';

/** A plausible successful chat completion call record; tests override what they measure. */
export function callRecord(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    ...blankCallRecord(newId('callRecord'), newId('request'), 'POST', '/v1/chat/completions'),
    model: 'gpt-4o-mini',
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    status: 200,
    latencyMs: 120,
    bytesIn: 100,
    bytesOut: 400,
    inputTokens: 10,
    outputTokens: 5,
    costMicroUsd: 7,
    ...overrides,
  };
}
