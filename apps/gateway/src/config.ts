import { z } from 'zod';
import { trustedProxyProblem } from './identity/trusted-proxies';
import { extAuthzPrefixProblem } from './ext-authz/prefix';
import { parseMeshClaimHeaders } from './identity/mesh-jwt-claim-headers';
import { certKeyPairProblem, readPemFile } from './rest/upstream-tls';

const port = z.coerce.number().int().min(0).max(65_535);
/** An empty variable reads as unset (`FOO=` in an env file). */
const unsetWhenEmpty = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const optionalUrl = unsetWhenEmpty(z.string().url().optional());
/** A PEM file's path, read once here: the parsed value is `{ path, pem }` (ADR 0037). Empty = unset. */
const pemFile = (kind: 'certificates' | 'key') =>
  unsetWhenEmpty(
    z
      .string()
      .transform((path, ctx) => {
        const read = readPemFile(path, kind);
        if ('pem' in read) return read;
        ctx.addIssue({ code: 'custom', message: read.problem });
        return z.NEVER;
      })
      .optional(),
  );
const list = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const reservedHeaderNames: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'cookie', 'host', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-envoy-external-address']);

/** The gateway's environment, parsed once at start. */
export const gatewayEnvSchema = z.object({
  TOLLGATE_GATEWAY_HOST: z.string().min(1).default('127.0.0.1'),
  TOLLGATE_GATEWAY_PORT: port.default(8081),
  /** Addresses and CIDR ranges (`10.0.0.0/8`, `fd00::/8`, `127.0.0.1`) whose forwarding and mesh-identity headers are believed. */
  TOLLGATE_TRUSTED_PROXIES: list.superRefine((entries, ctx) => {
    for (const entry of entries) {
      const problem = trustedProxyProblem(entry);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }
  }),
  /**
   * Istio's `numTrustedProxies` / Envoy's `xff_num_trusted_hops` seen from here: the proxies in front of the gateway
   * (its trusted peer included) that each append to `x-forwarded-for`; the client is the N-th address from the right.
   * Unset: addresses in the trusted list are skipped from the right instead. Empty = unset.
   */
  TOLLGATE_TRUSTED_HOPS: unsetWhenEmpty(z.coerce.number().int().min(1).max(16).optional()),
  /**
   * Istio RequestAuthentication's `outputPayloadToHeader`: from a trusted proxy, the verified JWT payload in this
   * header identifies the app by its JWT credential (ADR 0033). Empty = unset.
   */
  TOLLGATE_MESH_JWT_PAYLOAD_HEADER: unsetWhenEmpty(
    z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name: letters, digits and - (at most 64)')
      .transform((name) => name.toLowerCase())
      .refine((name) => !reservedHeaderNames.has(name) && !name.startsWith('x-tollgate-'), 'must not be a header the gateway already reads or writes (authorization, x-api-key, cookie, host, x-forwarded-*, x-tollgate-*)')
      .optional(),
  ),
  /**
   * Istio RequestAuthentication's `outputClaimToHeaders` as `claim:header` pairs (`iss:x-jwt-iss,sub:x-jwt-sub,
   * aud:x-jwt-aud,exp:x-jwt-exp`; `iss` and `exp` required): from a trusted proxy, those headers identify the app
   * as the payload header does (ADR 0033). A request carrying the payload header too is identified by the payload.
   * Empty = unset.
   */
  TOLLGATE_MESH_JWT_CLAIM_HEADERS: unsetWhenEmpty(
    z
      .string()
      .transform((text, ctx) => {
        const reserved = (name: string) => (reservedHeaderNames.has(name) || name.startsWith('x-tollgate-') ? 'must not be a header the gateway already reads or writes (authorization, x-api-key, cookie, host, x-forwarded-*, x-tollgate-*)' : null);
        const parsed = parseMeshClaimHeaders(text, reserved);
        if ('mappings' in parsed) return parsed.mappings;
        for (const problem of parsed.problems) ctx.addIssue({ code: 'custom', message: problem });
        return z.NEVER;
      })
      .optional(),
  ),
  /**
   * `xfcc`: from a trusted proxy, the SPIFFE ID of the last `x-forwarded-client-cert` element (the mTLS identity the
   * nearest sidecar or ingress verified) names the app by its workload credential (ADR 0033). Unset or `off`: off.
   */
  TOLLGATE_MESH_WORKLOAD_IDENTITY: unsetWhenEmpty(z.enum(['off', 'xfcc']).default('off')),
  /**
   * Envoy ext_authz over HTTP (ADR 0035): requests under this path (`/ext-authz`) from a trusted proxy are checks of
   * the request they describe, answered 200 (allow) or with the proxy mode's error. Empty = unset = off.
   */
  TOLLGATE_EXT_AUTHZ_PATH_PREFIX: unsetWhenEmpty(
    z
      .string()
      .superRefine((prefix, ctx) => {
        const problem = extAuthzPrefixProblem(prefix);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional(),
  ),
  /**
   * Envoy ext_authz over gRPC (`envoy.service.auth.v3.Authorization`) and the access log service
   * (`envoy.service.accesslog.v3.AccessLogService`) on this port, on the gateway's host, for a trusted proxy
   * only. Empty = unset = off.
   */
  TOLLGATE_EXT_AUTHZ_GRPC_PORT: unsetWhenEmpty(port.optional()),
  /**
   * Envoy's access log completes each allowed check's call record (ADR 0036): how long a check waits for its
   * entry, so above the longest call, streams included. Unset = off: a check's record is written as it answers.
   */
  TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS: unsetWhenEmpty(z.coerce.number().int().min(1_000).max(3_600_000).optional()),
  /** Longest a client may take to send a request's headers and body; past it the answer is 408. */
  TOLLGATE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  TOLLGATE_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  TOLLGATE_UPSTREAM_TOTAL_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
  TOLLGATE_UPSTREAM_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
  TOLLGATE_UPSTREAM_MAX_BACKOFF_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** The client certificate (PEM, intermediates after it) the gateway presents to TLS upstreams that ask for one; with the key. */
  TOLLGATE_UPSTREAM_TLS_CERT_FILE: pemFile('certificates'),
  /** Its private key (PEM, unencrypted). */
  TOLLGATE_UPSTREAM_TLS_KEY_FILE: pemFile('key'),
  /** CAs (PEM bundle) trusted for TLS upstreams besides Node's roots: the private CA of an ingress's certificate. */
  TOLLGATE_UPSTREAM_TLS_CA_FILE: pemFile('certificates'),
  TOLLGATE_CIRCUIT_FAILURES: z.coerce.number().int().positive().default(5),
  TOLLGATE_CIRCUIT_OPEN_MS: z.coerce.number().int().positive().default(30_000),
  TOLLGATE_METER_FLUSH_MS: z.coerce.number().int().positive().default(1_000),
  TOLLGATE_METER_BATCH_SIZE: z.coerce.number().int().positive().default(1_000),
  TOLLGATE_METER_MAX_BUFFERED: z.coerce.number().int().positive().default(50_000),
  /** Captured bodies the meter holds at most; past it records wait without their bodies. */
  TOLLGATE_METER_MAX_BUFFERED_BODY_BYTES: z.coerce.number().int().min(1_048_576).default(268_435_456),
  /** On SIGTERM, how long a failing store is retried for the last records before they are given up. */
  TOLLGATE_METER_SHUTDOWN_RETRY_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Only for a gateway on its own: where to pull snapshots from and push call records to. */
  TOLLGATE_PORTAL_URL: z.string().url().optional(),
  TOLLGATE_INTERNAL_TOKEN: z.string().min(32, 'use at least 32 characters').optional(),
  /**
   * With the long-poll off: how often to pull the snapshot; with it on, only the cap of the reconnect backoff
   * (at most 5 s). 10 s: the long-poll or Redis carries the news, this only bounds how stale a gateway can get
   * when both are unavailable (ADR 0038).
   */
  TOLLGATE_SNAPSHOT_POLL_MS: z.coerce.number().int().positive().default(10_000),
  /**
   * How long the portal may hold a snapshot pull until it has a newer revision (a long-poll, ADR 0038); keep it
   * below any idle or route timeout of a proxy between gateway and portal. 0: no long-poll.
   */
  TOLLGATE_SNAPSHOT_WAIT_SECONDS: unsetWhenEmpty(z.coerce.number().int().min(0).max(60).default(25)),
  /**
   * Shared rate-limit counters and stored Responses for every gateway and, for a gateway on its own, the call-record queue the
   * portal's worker consumes; unset: each gateway counts in its own memory and posts records to the portal.
   * Empty = unset.
   */
  TOLLGATE_REDIS_URL: unsetWhenEmpty(z.string().regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL').optional()),
  /** BullMQ key prefix of the call-record queue; the portal must use the same one. */
  TOLLGATE_CALL_RECORD_QUEUE_PREFIX: z.string().regex(/^[\w.-]{1,64}$/, 'letters, digits, _ . - (at most 64)').default('bull'),
  TOLLGATE_LIMITER_ON_UNAVAILABLE: z.enum(['open', 'closed', 'local']).default('local'),
  TOLLGATE_LIMITER_TIMEOUT_MS: z.coerce.number().int().min(5).max(5_000).default(50),
  TOLLGATE_RESERVE_OUTPUT_TOKENS: z.coerce.number().int().positive().max(1_000_000).default(1_024),
  /** Bytes kept per body (request and response) of a call to a service with body capture on. */
  TOLLGATE_CAPTURE_MAX_BYTES: z.coerce.number().int().min(1_024).max(1_048_576).default(65_536),
  /** How long a stored Responses API response lives (ADR 0022): `previous_response_id` and GET find it until then. */
  TOLLGATE_RESPONSE_STORE_TTL_SECONDS: z.coerce.number().int().min(1).max(30 * 86_400).default(3_600),
  /** Without Redis: stored responses each gateway keeps at most (least recently used go first)... */
  TOLLGATE_RESPONSE_STORE_MAX_ENTRIES: z.coerce.number().int().min(1).default(10_000),
  /** ...and the bytes of their JSON at most. */
  TOLLGATE_RESPONSE_STORE_MAX_BYTES: z.coerce.number().int().min(1_048_576).default(268_435_456),
  TOLLGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // OpenTelemetry's own variable names, so a collector set up for other services configures this one too.
  /** The OTLP/HTTP traces URL; wins over the base endpoint below. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  /** The OTLP/HTTP base URL: traces go to `<base>/v1/traces`. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  /** `name=value,name2=value2`, sent with every export (an API key for a hosted collector, say). */
  OTEL_EXPORTER_OTLP_HEADERS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const headers: Record<string, string> = {};
      for (const pair of s.split(',').map((p) => p.trim()).filter(Boolean)) {
        const eq = pair.indexOf('=');
        if (eq <= 0) {
          ctx.addIssue({ code: 'custom', message: `"${pair}" is not name=value` });
          return z.NEVER;
        }
        try {
          headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
        } catch {
          ctx.addIssue({ code: 'custom', message: `"${pair}" has a malformed %-escape` });
          return z.NEVER;
        }
      }
      return headers;
    }),
  OTEL_SERVICE_NAME: z.string().min(1).default('tollgate-gateway'),
}).superRefine((env, ctx) => {
  // Each is believed (or counted) only from a trusted proxy: with none configured it could never take effect.
  const needTrust = [
    ['TOLLGATE_MESH_JWT_PAYLOAD_HEADER', env.TOLLGATE_MESH_JWT_PAYLOAD_HEADER !== undefined, 'the payload is believed only from a trusted proxy (the mesh ingress)'],
    ['TOLLGATE_EXT_AUTHZ_PATH_PREFIX', env.TOLLGATE_EXT_AUTHZ_PATH_PREFIX !== undefined, 'checks are believed only from a trusted proxy (the mesh ingress)'],
    ['TOLLGATE_EXT_AUTHZ_GRPC_PORT', env.TOLLGATE_EXT_AUTHZ_GRPC_PORT !== undefined, 'checks and access logs are taken only from a trusted proxy (the mesh ingress)'],
    ['TOLLGATE_TRUSTED_HOPS', env.TOLLGATE_TRUSTED_HOPS !== undefined, 'hops are counted only from a trusted peer'],
    ['TOLLGATE_MESH_JWT_CLAIM_HEADERS', env.TOLLGATE_MESH_JWT_CLAIM_HEADERS !== undefined, 'the claims are believed only from a trusted proxy (the mesh ingress)'],
    ['TOLLGATE_MESH_WORKLOAD_IDENTITY', env.TOLLGATE_MESH_WORKLOAD_IDENTITY === 'xfcc', 'the client certificate header is believed only from a trusted proxy (the mesh sidecar or ingress)'],
  ] as const;
  const payloadHeader = env.TOLLGATE_MESH_JWT_PAYLOAD_HEADER;
  if (payloadHeader && env.TOLLGATE_MESH_JWT_CLAIM_HEADERS?.some((m) => m.header === payloadHeader)) {
    ctx.addIssue({ code: 'custom', path: ['TOLLGATE_MESH_JWT_CLAIM_HEADERS'], message: `"${payloadHeader}" is TOLLGATE_MESH_JWT_PAYLOAD_HEADER: a claim needs a header of its own` });
  }
  if (env.TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS !== undefined && env.TOLLGATE_EXT_AUTHZ_GRPC_PORT === undefined) {
    ctx.addIssue({ code: 'custom', path: ['TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS'], message: 'needs TOLLGATE_EXT_AUTHZ_GRPC_PORT: the access log service listens there' });
  }
  const [cert, key] = [env.TOLLGATE_UPSTREAM_TLS_CERT_FILE, env.TOLLGATE_UPSTREAM_TLS_KEY_FILE];
  if (cert && !key) ctx.addIssue({ code: 'custom', path: ['TOLLGATE_UPSTREAM_TLS_KEY_FILE'], message: 'missing: TOLLGATE_UPSTREAM_TLS_CERT_FILE is set, and a client certificate needs its private key' });
  if (key && !cert) ctx.addIssue({ code: 'custom', path: ['TOLLGATE_UPSTREAM_TLS_CERT_FILE'], message: 'missing: TOLLGATE_UPSTREAM_TLS_KEY_FILE is set, and a private key needs its client certificate' });
  // Only when both files read well: a field that failed holds no PEM to pair.
  if (typeof cert?.pem === 'string' && typeof key?.pem === 'string') {
    const problem = certKeyPairProblem(cert.pem, key.pem);
    if (problem) ctx.addIssue({ code: 'custom', path: ['TOLLGATE_UPSTREAM_TLS_KEY_FILE'], message: `"${key.path}" ${problem}` });
  }
  if (env.TOLLGATE_TRUSTED_PROXIES.length > 0) return;
  for (const [name, set, why] of needTrust) if (set) ctx.addIssue({ code: 'custom', path: [name], message: `needs TOLLGATE_TRUSTED_PROXIES: ${why}` });
});

/** Where spans go, or null when no OTLP endpoint is configured (then no span is made at all). */
export function otlpTracesUrl(config: GatewayConfigEnv): string | null {
  if (config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) return `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

export type GatewayConfigEnv = z.infer<typeof gatewayEnvSchema>;

export function parseGatewayConfig(env: NodeJS.ProcessEnv): GatewayConfigEnv {
  const parsed = gatewayEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`Invalid gateway configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
