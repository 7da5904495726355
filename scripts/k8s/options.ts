import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * The flags of `npm run manifests`. Names outside Tollgate (namespace, image) are flags with defaults; the two
 * values that may hold secrets (the internal token, a managed Redis URL with its password) come only from the
 * environment, so they never appear in shell history or `ps` (ADR 0034).
 */

export const topologies = ['behind', 'authorizer', 'front'] as const;
export type Topology = (typeof topologies)[number];

/** An RFC 1123 label: what Kubernetes takes as a namespace name. */
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'use 1 to 63 lowercase letters, digits and hyphens, not starting or ending with a hyphen');
const replicas = z.coerce.number().int('use a whole number').min(1, 'use at least 1').max(100, 'use at most 100');

const flagSchema = z
  .object({
    topology: z.enum(topologies).default('behind'),
    namespace: dnsLabel.default('tollgate'),
    // A registry path with an optional tag or digest; kubelet reports a bad one only at pull time.
    image: z.string().regex(/^[a-z0-9][a-z0-9._\-/:]*[a-z0-9](:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})?$/, 'use an image reference (registry.example.com/tollgate:0.1.0)').default('tollgate:0.1.0'),
    'gateway-replicas': replicas.default(2),
    'max-gateway-replicas': replicas.default(10),
    /** ADR 0031's `authorizer=`: the gRPC ext_authz listener gets its own port (9191), HTTP shares the gateway's. */
    authorizer: z.enum(['http', 'grpc']).default('http'),
    /** The ingress workload's mesh identity: the only caller outside the namespace the gateway's policy admits. */
    'ingress-principal': z
      .string()
      .regex(/^[a-z0-9.-]+\/ns\/[a-z0-9-]+\/sa\/[a-z0-9.-]+$/, 'use <trust domain>/ns/<namespace>/sa/<service account>')
      .default('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'),
    format: z.enum(['yaml', 'json']).default('yaml'),
    out: z.string().min(1, 'name a file').optional(),
  })
  .strict();

const envSchema = z.object({
  // The apps' own rule (apps/*/src/config.ts): at least 32 characters.
  TOLLGATE_INTERNAL_TOKEN: z.string({ error: 'is not set' }).min(32, 'use at least 32 characters'),
  TOLLGATE_REDIS_URL: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^rediss?:\/\/\S+$/, 'use a redis:// or rediss:// URL').optional()),
});

export interface ManifestOptions {
  topology: Topology;
  namespace: string;
  image: string;
  gatewayReplicas: number;
  maxGatewayReplicas: number;
  authorizer: 'http' | 'grpc';
  /** Behind the ingress and as its authorizer: the ingress's principal, which the gateway's AuthorizationPolicy admits. */
  ingressPrincipal: string;
  internalToken: string;
  /** A Redis outside the cluster's manifests (managed); unset: a Redis StatefulSet is written. */
  redisUrl?: string;
}

export interface CliOptions extends ManifestOptions {
  format: 'yaml' | 'json';
  out?: string;
}

/** A bad flag or variable: the CLI prints the message and exits with 2. */
export class UsageError extends Error {}

const stringFlags = Object.fromEntries(Object.keys(flagSchema.shape).map((name) => [name, { type: 'string' as const }]));

export function parseCli(argv: string[], env: NodeJS.ProcessEnv): CliOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({ args: argv, options: stringFlags, strict: true, allowPositionals: false }));
  } catch (err) {
    // node:util names the flag ("Unknown option '--replicas'"); keep its words.
    throw new UsageError((err as Error).message);
  }
  const flags = flagSchema.safeParse(values);
  if (!flags.success) {
    const issue = flags.error.issues[0]!;
    throw new UsageError(`--${String(issue.path[0])}: ${issue.message}`);
  }
  const f = flags.data;
  if (f['max-gateway-replicas'] < f['gateway-replicas']) {
    throw new UsageError(`--max-gateway-replicas: ${f['max-gateway-replicas']} is below --gateway-replicas ${f['gateway-replicas']}`);
  }
  const vars = envSchema.safeParse({ TOLLGATE_INTERNAL_TOKEN: env.TOLLGATE_INTERNAL_TOKEN, TOLLGATE_REDIS_URL: env.TOLLGATE_REDIS_URL });
  if (!vars.success) {
    const issue = vars.error.issues[0]!;
    const hint = issue.path[0] === 'TOLLGATE_INTERNAL_TOKEN' ? ' (the portal and the gateways share it: TOLLGATE_INTERNAL_TOKEN=$(openssl rand -hex 32) npm run manifests)' : '';
    throw new UsageError(`${String(issue.path[0])}: ${issue.message}${hint}`);
  }
  return {
    topology: f.topology,
    namespace: f.namespace,
    image: f.image,
    gatewayReplicas: f['gateway-replicas'],
    maxGatewayReplicas: f['max-gateway-replicas'],
    authorizer: f.authorizer,
    ingressPrincipal: f['ingress-principal'],
    format: f.format,
    out: f.out,
    internalToken: vars.data.TOLLGATE_INTERNAL_TOKEN,
    redisUrl: vars.data.TOLLGATE_REDIS_URL,
  };
}
