import { newId, type CallRecord } from '@tollgate/domain';

/** A plausible successful chat completion call record; tests override what they measure. */
export function callRecord(overrides: Partial<CallRecord> = {}): CallRecord {
  return {
    id: newId('callRecord'),
    requestId: newId('request'),
    startedAt: Date.now(),
    teamId: null,
    appId: null,
    keyId: null,
    serviceId: null,
    subscriptionId: null,
    providerId: null,
    model: 'gpt-4o-mini',
    upstreamModel: 'gpt-4o-mini-2024-07-18',
    method: 'POST',
    path: '/v1/chat/completions',
    status: 200,
    failed: false,
    stream: false,
    latencyMs: 120,
    ttftMs: null,
    bytesIn: 100,
    bytesOut: 400,
    inputTokens: 10,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 5,
    reasoningTokens: 0,
    costMicroUsd: 7,
    errorCode: null,
    errorMessage: null,
    ...overrides,
  };
}
