import type { SnapshotService } from '@tollgate/domain';
import { GatewayError } from '../errors';

/** Why the call's own abort signal fired: the total timeout or the client leaving. */
export class CallAborted extends Error {
  constructor(readonly why: 'timeout' | 'client') {
    super(why === 'timeout' ? 'the total timeout passed' : 'the client closed the connection');
  }
}

export const abortReason = (signal: { readonly aborted: boolean; readonly reason: unknown }): 'timeout' | 'client' | null =>
  signal.aborted && signal.reason instanceof CallAborted ? signal.reason.why : null;

export const noHealthyUpstream = (service: SnapshotService) =>
  new GatewayError(503, 'server_error', 'no_healthy_upstream', `Service '${service.name}' has no healthy upstream node right now; retry later.`, null, { 'retry-after': '1' });

export const upstreamTimeout = (service: SnapshotService, ms: number, cause?: unknown) =>
  new GatewayError(504, 'server_error', 'upstream_timeout', `The upstream of service '${service.name}' did not answer in time${ms > 0 ? ` (${ms} ms)` : ''}.`, null, {}, cause);

export const upstreamFailed = (service: SnapshotService, cause: unknown) =>
  new GatewayError(502, 'server_error', 'upstream_failed', `The upstream of service '${service.name}' could not be reached or failed before answering.`, null, {}, cause);

