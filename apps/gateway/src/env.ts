import type { Logger } from 'pino';
import type { SnapshotApp, SnapshotRestService } from '@tollgate/domain';
import type { GatewayConfig } from './snapshot/gateway-config';
import type { CallDraft } from './steps/meter';
import type { TraceContext } from './steps/context';
import type { Credential, CredentialLocation } from './identity/credential';
import type { MeshClaimHeader, MeshClaimValue } from './identity/mesh-jwt-claim-headers';
import type { ServerBindings } from './http/server';

/** Per-request state the pipeline steps hand to each other. */
export type GatewayEnv = {
  Bindings: ServerBindings;
  Variables: {
    requestId: string;
    logger: Logger;
    trace: TraceContext;
    clientIp: string;
    /** The snapshot this request is served from, captured once so it sees one revision throughout. */
    config: GatewayConfig;
    call: CallDraft;
    /** The caller's credential (an API key or a JWT credential), set by identify; limits count per credential. */
    credential: Credential;
    /** Where identify found the credential, so the REST forward step strips it before the upstream sees it. */
    credentialLocation: CredentialLocation;
    app: SnapshotApp;
    /** A REST call: its service's proxy settings, set by the REST route step before identify (key locations, CORS). */
    restService: SnapshotRestService | undefined;
    /** Mesh identities on (ADR 0033): the configured payload header, which the REST path never passes upstream. */
    meshJwtPayloadHeader: string | undefined;
    /** That header's value, set only when a trusted proxy sent it: Istio verified the JWT it was taken from. */
    meshJwtPayload: string | undefined;
    /** Claim identities on (ADR 0033, `outputClaimToHeaders`): the configured claim headers, never passed upstream. */
    meshJwtClaimHeaders: readonly MeshClaimHeader[] | undefined;
    /** Those a trusted proxy sent, with their values; set only then, and only when at least one came. */
    meshJwtClaimValues: readonly MeshClaimValue[] | undefined;
    /** Workload identities on (ADR 0033): the `x-forwarded-client-cert` value, set only when a trusted proxy sent it. */
    workloadXfcc: string | undefined;
    /** Workload identities on and the peer untrusted: its `x-forwarded-client-cert` is a forgery, kept from the upstream. */
    stripXfcc: boolean | undefined;
    /** The limit step's RateLimit fields, for an error answered after it. */
    rateLimitHeaders: Record<string, string> | undefined;
  };
};
