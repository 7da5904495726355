import type { Usage, UsageProblem } from './usage';

/** One row per gateway call, as the gateway's meter hands it to the store. */
export interface CallRecord extends Usage {
  id: string;
  requestId: string;
  startedAt: number;
  teamId: string | null;
  appId: string | null;
  keyId: string | null;
  serviceId: string | null;
  subscriptionId: string | null;
  providerId: string | null;
  /** The model the caller asked for. */
  model: string | null;
  /** The model the provider answered with. */
  upstreamModel: string | null;
  method: string;
  path: string;
  status: number;
  /** The call failed even if the status line said 200 (for example a stream cut mid-answer). */
  failed: boolean;
  stream: boolean;
  latencyMs: number;
  ttftMs: number | null;
  bytesIn: number;
  bytesOut: number;
  costMicroUsd: number;
  /** Set when the tokens above are the gateway's estimate, and why (see `UsageProblem`); null: the provider's count. */
  usageProblem: UsageProblem | null;
  errorCode: string | null;
  errorMessage: string | null;
  /** A prompt API call: the prompt and the version the live release served. */
  promptId: string | null;
  promptVersion: number | null;
  /** The key's visible prefix (the log explorer finds calls by it). */
  keyPrefix: string | null;
  /** The API called, from `apiOfCall`: set when the record is finished. */
  api: string | null;
  /** The W3C trace id of the call (32 hex characters). */
  traceId: string | null;
  /** A REST call: the matched API's path template, the upstream (`default`, `canary`, …) and the node that answered. */
  route: string | null;
  upstream: string | null;
  upstreamNode: string | null;
  /** Captured bodies, only for services with capture on, already redacted and cut to the capture limit. */
  bodies?: CapturedBodies | null;
}

export interface CapturedBodies {
  request: string | null;
  response: string | null;
  requestTruncated: boolean;
  responseTruncated: boolean;
}

/**
 * The API dimension of a call: the unified endpoint it hit, the prompt API it called, or the REST API it
 * matched (`rest:<api id>`, set by the gateway's REST route step and kept as it is). Bounded by the catalogue
 * (never the raw path a caller typed), so rollups and metrics stay small.
 */
export function apiOfCall(path: string, promptId: string | null, current: string | null = null): string {
  if (current?.startsWith('rest:')) return current;
  if (promptId) return `prompt:${promptId}`;
  return unifiedApiOf(path) ?? 'other';
}

const UNIFIED_APIS = new Set(['/v1/chat/completions', '/v1/messages', '/v1/responses', '/v1/embeddings', '/v1/models']);

/** A unified endpoint's name, ids folded to `{id}` (the metrics' route label too); null for any other path. */
export function unifiedApiOf(path: string): string | null {
  if (UNIFIED_APIS.has(path)) return path;
  if (path.startsWith('/v1/models/')) return '/v1/models/{id}';
  if (path.startsWith('/v1/responses/')) return path.endsWith('/input_items') ? '/v1/responses/{id}/input_items' : '/v1/responses/{id}';
  return null;
}

/** A call record with nothing measured yet: the meter fills it in as the call goes through the steps. */
export function blankCallRecord(id: string, requestId: string, method: string, path: string): CallRecord {
  return {
    id,
    requestId,
    startedAt: Date.now(),
    teamId: null,
    appId: null,
    keyId: null,
    serviceId: null,
    subscriptionId: null,
    providerId: null,
    model: null,
    upstreamModel: null,
    method,
    path,
    status: 0,
    failed: false,
    stream: false,
    latencyMs: 0,
    ttftMs: null,
    bytesIn: 0,
    bytesOut: 0,
    inputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    costMicroUsd: 0,
    usageProblem: null,
    errorCode: null,
    errorMessage: null,
    promptId: null,
    promptVersion: null,
    keyPrefix: null,
    api: null,
    traceId: null,
    route: null,
    upstream: null,
    upstreamNode: null,
  };
}
