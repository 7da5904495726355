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
}
