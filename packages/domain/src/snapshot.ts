import type { AppId, KeyId, PlanId, PromptId, ProviderId, ServiceId, SubscriptionId, TeamId } from './ids';
import type { LifecycleState, ProviderType, ServiceKind, SubscriptionState } from './states';
import type { SnapshotJwtCredential, SnapshotRestApi, SnapshotRestService, SnapshotWorkloadCredential } from './rest';

/**
 * The config snapshot: everything the gateway needs to serve a request, compiled by the portal from the
 * database. It is plain JSON so the same value can be handed over in-process or pulled over HTTP by a
 * gateway running on its own (DESIGN §2). The gateway indexes it once per revision; it never reads the
 * database itself.
 */
export interface SnapshotData {
  revision: number;
  compiledAt: string;
  keys: SnapshotKey[];
  apps: SnapshotApp[];
  services: SnapshotService[];
  plans: SnapshotPlan[];
  subscriptions: SnapshotSubscription[];
  providers: SnapshotProvider[];
  modelRoutes: SnapshotModelRoute[];
  prompts: SnapshotPrompt[];
  /** REST services' proxy settings and APIs from their live releases, and apps' JWT credentials (ADR 0018). */
  restServices: SnapshotRestService[];
  restApis: SnapshotRestApi[];
  jwtCredentials: SnapshotJwtCredential[];
  /** Apps' active SPIFFE IDs (ADR 0033); absent from a portal older than them. */
  workloadCredentials: SnapshotWorkloadCredential[];
}

/** Only usable keys are compiled in: a revoked key is simply absent, so the gateway answers 401 for it. */
export interface SnapshotKey {
  id: KeyId;
  appId: AppId;
  /** SHA-256 hex of the full secret. */
  hash: string;
  prefix: string;
  /** Epoch milliseconds, or null when the key does not expire. */
  expiresAt: number | null;
}

export interface SnapshotApp {
  id: AppId;
  teamId: TeamId;
  name: string;
  /** Monthly cost budgets (micro-USD) of the app and of its team, across every service; absent = none. */
  costBudgetMicroUsdPerMonth?: number | null;
  teamCostBudgetMicroUsdPerMonth?: number | null;
  /** Limits across all the app's subscriptions, set by its own team. */
  limits?: RateLimits;
}

export interface SnapshotService {
  id: ServiceId;
  teamId: TeamId;
  /** The publishing team's slug: `/v1/models` names it as each model's `owned_by`. */
  teamSlug: string;
  slug: string;
  name: string;
  kind: ServiceKind;
  lifecycle: LifecycleState;
  /** Subscribers may call `<provider name>/<provider model>` on the providers this service routes to. */
  directModels?: boolean;
  /** Epoch ms; set while deprecated. The gateway announces them as `Deprecation` and `Sunset` headers. */
  deprecatedAt?: number | null;
  sunsetAt?: number | null;
  /** The live release's number; absent while the service is a draft. Name, models and APIs come from it. */
  release?: number;
  /**
   * When the live release was made (epoch ms): `/v1/models` gives it as each model's `created`. A rollback
   * brings back the older release's time, as it brings back that release's routing.
   */
  releasedAt?: number;
  /** Totals across every subscriber of the service. */
  limits?: RateLimits;
  /** Present when the service captures call bodies: the fields to redact before they leave the gateway. */
  capture?: { redact: string[] };
}

/** Request and token limits over sliding windows. Tokens count input plus output (cached and reasoning included). */
export interface RateLimits {
  requestsPerSecond?: number;
  requestsPerMinute?: number;
  requestsPerDay?: number;
  tokensPerMinute?: number;
  tokensPerDay?: number;
}

/** What the gateway does with a limit while Redis is unreachable: admit, refuse, or count in its own memory. */
export type LimiterUnavailableMode = 'open' | 'closed' | 'local';

/**
 * A plan's limits. The top-level ones count per subscription; `perKey`, `perIp` and `perModel` count the same
 * kinds of limit per API key, per client IP and per model within the subscription. The cost budget is per
 * calendar month (UTC).
 */
export interface PlanLimits extends RateLimits {
  costBudgetMicroUsdPerMonth?: number;
  perKey?: RateLimits;
  perIp?: RateLimits;
  perModel?: RateLimits;
  onLimiterUnavailable?: LimiterUnavailableMode;
}

export interface SnapshotPlan {
  id: PlanId;
  serviceId: ServiceId;
  name: string;
  limits: PlanLimits;
}

export interface SnapshotSubscription {
  id: SubscriptionId;
  appId: AppId;
  serviceId: ServiceId;
  planId: PlanId;
  state: SubscriptionState;
}

/** Per-token prices in USD, named as in LiteLLM's price table. */
export interface ModelPrice {
  input_cost_per_token: number;
  output_cost_per_token: number;
  cache_read_input_token_cost?: number;
  cache_creation_input_token_cost?: number;
  output_cost_per_reasoning_token?: number;
}

export interface SnapshotProvider {
  id: ProviderId;
  name: string;
  type: ProviderType;
  baseUrl: string;
  /** Decrypted: the snapshot only lives in gateway memory and on the authenticated internal channel. */
  apiKey: string;
  /** The whole key pool when there is one (`apiKey` is its first key); calls are spread over it by weight. */
  keyPool?: Array<{ key: string; weight: number }>;
  priceOverrides: Record<string, ModelPrice>;
  settings: Record<string, string>;
}

export interface ModelTarget {
  providerId: ProviderId;
  model: string;
  /**
   * Load-balancing share. When any target of a route has a weight, the first target of each call is drawn
   * by weight (the others follow as fallbacks, heaviest first); without weights the listed order is the
   * fallback order. A weight of 0 makes a fallback-only target.
   */
  weight?: number;
  /** How long this target may take to start answering before the call moves on (default: the gateway's). */
  timeoutMs?: number;
}

/** A public model name a service exposes, and the provider targets behind it, in fallback order. */
export interface SnapshotModelRoute {
  serviceId: ServiceId;
  name: string;
  targets: ModelTarget[];
}

/**
 * A prompt template as JSON, shaped like `@tollgate/prompts`' PromptSpec. Typed loosely here so the domain
 * package does not depend on the prompt engine; the engine checks a spec before it is ever stored.
 */
export interface PromptSpecJson {
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  /** A JSON Schema object describing the variables a caller sends. */
  variables: Record<string, unknown>;
  /** A model route name of the prompt's service. */
  model: string;
  parameters?: Record<string, unknown>;
  outputSchema?: Record<string, unknown> | null;
}

/** A prompt API the gateway serves as `POST /<service slug><path>`: the version the live release froze. */
export interface SnapshotPrompt {
  serviceId: ServiceId;
  id: PromptId;
  name: string;
  path: string;
  version: number;
  spec: PromptSpecJson;
}

/**
 * What one or more committed changes to keys, apps and subscriptions did to the snapshot, from revision `from`
 * to `to` (ADR 0032). Applied only onto exactly revision `from`; anything else takes the full snapshot. Keys are
 * removed by hash and subscriptions by (app, service), as the gateway indexes them; `put` replaces or adds.
 */
export interface SnapshotDelta {
  from: number;
  to: number;
  keys: { put: SnapshotKey[]; remove: string[] };
  apps: { put: SnapshotApp[]; remove: AppId[] };
  subscriptions: { put: SnapshotSubscription[]; remove: Array<{ appId: AppId; serviceId: ServiceId }> };
  /** Workload credentials put, and SPIFFE IDs no longer active; absent from a portal older than them. */
  workloadCredentials?: { put: SnapshotWorkloadCredential[]; remove: string[] };
}

/** The media type of a delta on the internal snapshot channel; a gateway that applies deltas asks for it in `Accept`. */
export const snapshotDeltaMediaType = 'application/vnd.tollgate.snapshot-delta+json';

/**
 * The Redis pub/sub channel on which portals announce each new snapshot revision (the message is the decimal
 * revision; ADR 0038). Hash-tagged like the limiter's `{tollgate}:rl:` keys; a channel stores nothing.
 */
export const snapshotRevisionChannel = '{tollgate}:snapshot:revision';
