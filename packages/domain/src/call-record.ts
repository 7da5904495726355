import type { Usage } from './usage';

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
  errorCode: string | null;
  errorMessage: string | null;
  /** A prompt API call: the prompt and the version the live release served. */
  promptId: string | null;
  promptVersion: number | null;
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
    errorCode: null,
    errorMessage: null,
    promptId: null,
    promptVersion: null,
  };
}
