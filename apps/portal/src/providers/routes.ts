import { Hono } from 'hono';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { first, jsonArrayElements, modelRoutes, providers, releases, services } from '@tollgate/db';
import { newId, providerTypes, type ModelPrice, type ProviderId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { fieldsOf } from '../changes/commit-change';
import type { Actor } from '../auth/sessions';
import { isPlatformAdmin, requirePlatformAdmin, requireSignedIn } from '../access/policy';
import { loadProvider, type ProviderRow } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { withUniqueAsConflict } from '../http/unique';
import { nameSchema, readJson, readNoBody } from '../http/validate';
import type { Reader } from '../changes/tx';
import type { SecretBox } from '../secrets/secret-box';
import { readOptionalJson } from '../http/optional-json';
import { credentialsFrom, openCredentials, poolKeySchema, sealCredentials } from './credentials';
import { testConnection } from './connection-test';
import { visibleProviderIds } from './visible-providers';

const price = z.number().nonnegative();
const modelPriceSchema = z
  .object({
    input_cost_per_token: price,
    output_cost_per_token: price,
    cache_read_input_token_cost: price.optional(),
    cache_creation_input_token_cost: price.optional(),
    output_cost_per_reasoning_token: price.optional(),
  })
  // Strict: a misspelt price field would otherwise be dropped and the model billed at the default price.
  .strict() satisfies z.ZodType<ModelPrice>;

// zod runs this refinement even after the URL check failed, so an unparseable string must not throw here.
function hasNoCredentials(u: string): boolean {
  const url = URL.canParse(u) ? new URL(u) : null;
  return !url || (!url.username && !url.password);
}

const providerFields = {
  name: nameSchema,
  type: z.enum(providerTypes),
  baseUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    // The URL is stored in plain text; credentials belong in the sealed apiKey.
    .refine(hasNoCredentials, 'put credentials in apiKey, not in the URL')
    // The gateway appends endpoint paths to it, so a trailing slash would double up.
    .transform((u) => u.replace(/\/+$/, '')),
  apiKey: z.string().min(1).max(4096),
  /** A key pool instead of one key: `[{ key, weight? }]`. */
  apiKeys: z.array(poolKeySchema).min(1).max(20),
  priceOverrides: z.record(z.string().min(1).max(200), modelPriceSchema),
  /** Non-secret, provider-specific settings (Azure's apiVersion, Bedrock's region); secrets go in apiKey. */
  settings: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'a setting name is letters and digits'), z.string().max(1024)).refine(
    (s) => Object.keys(s).length <= 20,
    'at most 20 settings',
  ),
};

const oneKeySpelling = (o: { apiKey?: unknown; apiKeys?: unknown }) => o.apiKey === undefined || o.apiKeys === undefined;
export const createProviderSchema = z
  .strictObject({
    ...providerFields,
    apiKey: providerFields.apiKey.optional(),
    apiKeys: providerFields.apiKeys.optional(),
    priceOverrides: providerFields.priceOverrides.default({}),
    settings: providerFields.settings.default({}),
  })
  .refine((o) => o.apiKey !== undefined || o.apiKeys !== undefined, { message: 'send apiKey (one key) or apiKeys (a pool)', path: ['apiKey'] })
  .refine(oneKeySpelling, { message: 'send apiKey or apiKeys, not both', path: ['apiKeys'] })
  .superRefine(checkTypeRequirements);

/** What a provider type needs beyond the common fields, checked here so a gateway never meets it half-configured. */
function checkTypeRequirements(
  o: { type?: string; settings?: Record<string, string>; apiKey?: string; apiKeys?: Array<{ key: string }> },
  ctx: z.RefinementCtx,
): void {
  if (o.type !== 'bedrock') return;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(o.settings?.region ?? '')) {
    ctx.addIssue({ code: 'custom', path: ['settings', 'region'], message: "a bedrock provider needs an AWS region such as 'us-east-1'" });
  }
  const keys = o.apiKeys?.map((k) => k.key) ?? (o.apiKey ? [o.apiKey] : []);
  keys.forEach((key, i) => {
    const parts = key.split(':');
    if (parts.length < 2 || parts.length > 3 || parts.some((part) => !part)) {
      ctx.addIssue({ code: 'custom', path: o.apiKeys ? ['apiKeys', i, 'key'] : ['apiKey'], message: 'a bedrock key is ACCESS_KEY_ID:SECRET_ACCESS_KEY[:SESSION_TOKEN]' });
    }
  });
}

/** `model` makes the probe a one-token completion instead of the models listing (Bedrock has no listing). */
export const connectionTestSchema = z.strictObject({ model: z.string().trim().min(1).max(200).optional() });

export const updateProviderSchema = z
  .strictObject(providerFields)
  .partial()
  .refine((o) => Object.keys(o).length > 0, 'send at least one field to change')
  .refine(oneKeySpelling, { message: 'send apiKey or apiKeys, not both', path: ['apiKeys'] });

/**
 * Credentials never leave the portal through its API: the response only says a key is set. Whoever may see a
 * provider (visible-providers.ts) sees its id, name and type; the connection details are infrastructure, for
 * platform admins.
 */
export function providerView(actor: Actor, p: ProviderRow, secrets: SecretBox) {
  const base = { id: p.id, name: p.name, type: p.type, createdAt: p.createdAt };
  if (!isPlatformAdmin(actor)) return base;
  return { ...base, baseUrl: p.baseUrl, priceOverrides: p.priceOverrides, settings: p.settings, hasApiKey: p.credentials.length > 0, keys: maskedKeys(secrets, p.credentials) };
}

/**
 * The pool as admins see it, to tell its keys apart: each key's weight and its last four characters (none of
 * a key too short to spare them). Null when the sealed keys cannot be opened with this portal's secret.
 */
function maskedKeys(secrets: SecretBox, sealed: string): Array<{ weight: number; hint: string }> | null {
  try {
    return openCredentials(secrets, sealed).keys.map(({ key, weight }) => ({ weight, hint: key.length >= 16 ? `••••${key.slice(-4)}` : '••••' }));
  } catch {
    return null;
  }
}

/** Model routes (as `service-slug/model`) that send traffic to a provider. */
async function routesUsing(db: Reader, providerId: ProviderId): Promise<string[]> {
  const targets = jsonArrayElements(db, modelRoutes.targets, [], 't');
  const rows = await db
    .select({ slug: services.slug, name: modelRoutes.name })
    .from(modelRoutes)
    .innerJoin(services, eq(services.id, modelRoutes.serviceId))
    .where(sql`exists (select 1 from ${targets.from} where ${targets.field('providerId')} = ${providerId})`);
  return rows.map((r) => `${r.slug}/${r.name}`);
}

/** Live releases (as `service-slug@version`) whose models send traffic to a provider: what the gateway serves. */
async function liveReleasesUsing(db: Reader, providerId: ProviderId): Promise<string[]> {
  const models = jsonArrayElements(db, releases.config, ['models'], 'm');
  const targets = jsonArrayElements(db, models.json, ['targets'], 't');
  const rows = await db
    .select({ slug: services.slug, version: releases.version })
    .from(services)
    .innerJoin(releases, eq(releases.id, services.liveReleaseId))
    .where(
      sql`exists (select 1 from ${models.from}, ${targets.from} where ${targets.field('providerId')} = ${providerId})`,
    );
  return rows.map((r) => `${r.slug}@${r.version}`);
}

export function providerRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();
  const nameTaken = 'A provider with this name exists.';

  app.post('/providers', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    requirePlatformAdmin(actor);
    const { apiKey, apiKeys, ...input } = await readJson(c, createProviderSchema);
    if (await first(ctx.db.select({ id: providers.id }).from(providers).where(eq(providers.name, input.name)))) throw conflict(nameTaken);
    const id = newId('provider');
    const credentials = sealCredentials(ctx.secrets, credentialsFrom({ apiKey, apiKeys })!);
    const row = await withUniqueAsConflict(
      () =>
        ctx.commitChange(
          actor.id,
          { action: 'provider.create', targetType: 'provider', targetId: id, summary: { name: input.name, type: input.type, baseUrl: input.baseUrl }, after: { name: input.name, type: input.type, baseUrl: input.baseUrl } },
          async (tx) => (await tx.insert(providers).values({ id, ...input, credentials }).returning())[0],
        ),
      nameTaken,
    );
    return c.json({ provider: providerView(actor, row, ctx.secrets) }, 201);
  });

  app.get('/providers', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const visible = await visibleProviderIds(ctx.db, actor);
    const rows = (await ctx.db.select().from(providers).orderBy(asc(providers.name))).filter((p) => !visible || visible.has(p.id));
    return c.json({ providers: rows.map((p) => providerView(actor, p, ctx.secrets)) });
  });

  app.get('/providers/:providerId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const provider = await loadProvider(ctx.db, c.req.param('providerId'));
    // One the actor may not know of is indistinguishable from a missing one.
    if ((await visibleProviderIds(ctx.db, actor))?.has(provider.id) === false) throw notFound('Provider');
    return c.json({ provider: providerView(actor, provider, ctx.secrets) });
  });

  app.patch('/providers/:providerId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    requirePlatformAdmin(actor);
    const current = await loadProvider(ctx.db, c.req.param('providerId'));
    const { apiKey, apiKeys, ...changes } = await readJson(c, updateProviderSchema);
    if (changes.name && changes.name !== current.name) {
      if (await first(ctx.db.select({ id: providers.id }).from(providers).where(eq(providers.name, changes.name)))) throw conflict(nameTaken);
    }
    const newKeys = credentialsFrom({ apiKey, apiKeys });
    const credentials = newKeys ? { credentials: sealCredentials(ctx.secrets, newKeys) } : {};
    // The audit trail records that the keys were replaced, never the keys.
    const summary = { ...changes, ...(newKeys ? { apiKeyReplaced: true } : {}) };
    const row = await withUniqueAsConflict(
      () =>
        ctx.commitChange(actor.id, { action: 'provider.update', targetType: 'provider', targetId: current.id, summary, before: fieldsOf(current, Object.keys(changes)), after: summary }, async (tx) =>
          (await tx.update(providers).set({ ...changes, ...credentials }).where(eq(providers.id, current.id)).returning())[0],
        ),
      nameTaken,
    );
    return c.json({ provider: providerView(actor, row!, ctx.secrets) });
  });

  // "Test connection". Not audited: it changes nothing, and the call itself is the provider's to log.
  app.post('/providers/:providerId/test', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    requirePlatformAdmin(actor);
    const provider = await loadProvider(ctx.db, c.req.param('providerId'));
    const { model } = await readOptionalJson(c, connectionTestSchema);
    return c.json(await testConnection(openCredentials(ctx.secrets, provider.credentials).keys, provider, model));
  });

  app.delete('/providers/:providerId', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    requirePlatformAdmin(actor);
    await readNoBody(c);
    const current = await loadProvider(ctx.db, c.req.param('providerId'));
    await ctx.commitChange(actor.id, { action: 'provider.delete', targetType: 'provider', targetId: current.id, summary: { name: current.name }, before: fieldsOf(current, ['name', 'type', 'baseUrl']) }, async (tx) => {
      // Checked in the transaction: a route added meanwhile would otherwise point at nothing.
      const using = await routesUsing(tx, current.id);
      if (using.length) throw conflict(`The provider is used by model routes ${using.join(', ')}; change or delete them first.`);
      // The working copy may have moved on while the gateway still serves a release that routes here.
      const live = await liveReleasesUsing(tx, current.id);
      if (live.length) throw conflict(`The provider is used by the live releases ${live.join(', ')}; release the services without it first.`);
      await tx.delete(providers).where(eq(providers.id, current.id));
    });
    return c.body(null, 204);
  });

  return app;
}
