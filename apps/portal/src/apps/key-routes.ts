import { Hono, type Context } from 'hono';
import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys, first } from '@tollgate/db';
import { isId, newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findApp } from '../access/load';
import { conflict, notFound } from '../http/errors';
import { nameSchema, readJson, readNoBody } from '../http/validate';
import { generateApiKey } from './keys';

export const createKeySchema = z.strictObject({
  name: nameSchema,
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .refine((ms) => ms > Date.now(), 'must be in the future')
    .optional(),
});

export const rotateKeySchema = z.strictObject({
  /** How long the old key keeps working beside the new one: time to roll the new key out. */
  graceSeconds: z.number().int().min(0).max(30 * 86_400).default(86_400),
  name: nameSchema.optional(),
});

type KeyRow = typeof apiKeys.$inferSelect;

/** Never the hash: it is as good as the key for anyone who can reach the gateway's lookup. */
export const keyView = (k: KeyRow) => ({
  id: k.id,
  name: k.name,
  prefix: k.prefix,
  expiresAt: k.expiresAt,
  revokedAt: k.revokedAt,
  lastUsedAt: k.lastUsedAt,
  createdAt: k.createdAt,
});

export function keyRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/apps/:appId/keys', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const input = await readJson(c, createKeySchema);
    const { secret, prefix, hash } = generateApiKey();
    const id = newId('key');
    const row = await ctx.commitChange(
      actor.id,
      { action: 'key.create', targetType: 'key', targetId: id, teamId: owner.teamId, summary: { appId: owner.id, name: input.name, prefix }, after: { name: input.name, prefix, expiresAt: input.expiresAt ?? null } },
      async (tx) =>
        (await tx.insert(apiKeys).values({ id, appId: owner.id, name: input.name, prefix, hash, expiresAt: input.expiresAt ?? null }).returning())[0]!,
    );
    // The only time the secret leaves the portal; only its hash is kept.
    const key = { id: row.id, name: row.name, prefix: row.prefix, expiresAt: row.expiresAt, createdAt: row.createdAt };
    return c.json({ key, secret }, 201);
  });

  app.get('/apps/:appId/keys', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, await findApp(ctx.db, c.req.param('appId')), 'member', 'App');
    const rows = await ctx.db.select().from(apiKeys).where(eq(apiKeys.appId, owner.id)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
    return c.json({ keys: rows.map(keyView) });
  });

  /** The app (checked for the caller) and one of its keys, or 404 for either. */
  const loadKey = async (c: Context<PortalEnv>) => {
    const actor = requireSignedIn(c.get('actor'));
    const owner = requireOwned(actor, await findApp(ctx.db, c.req.param('appId') ?? ''), 'member', 'App');
    const keyId = c.req.param('keyId') ?? '';
    const key = isId('key', keyId) ? await first(ctx.db.select().from(apiKeys).where(and(eq(apiKeys.id, keyId), eq(apiKeys.appId, owner.id)))) : undefined;
    if (!key) throw notFound('Key');
    return { actor, owner, key };
  };

  /**
   * Rotation: a new key now, and the old one ends after a grace period instead of at once, so clients can
   * switch without an outage. Both changes commit together.
   */
  app.post('/apps/:appId/keys/:keyId/rotate', async (c) => {
    const { actor, owner, key } = await loadKey(c);
    const input = await readJson(c, rotateKeySchema);
    const now = Date.now();
    if (key.revokedAt !== null) throw conflict('The key is revoked; create a new key instead.');
    if (key.expiresAt !== null && key.expiresAt <= now) throw conflict('The key has expired; create a new key instead.');
    const oldEndsAt = Math.min(key.expiresAt ?? Number.POSITIVE_INFINITY, now + input.graceSeconds * 1_000);
    const { secret, prefix, hash } = generateApiKey();
    const id = newId('key');
    const name = input.name ?? key.name;
    const { created, previous } = await ctx.commitChange(
      actor.id,
      { action: 'key.rotate', targetType: 'key', targetId: key.id, teamId: owner.teamId, summary: { appId: owner.id, from: key.prefix, to: prefix, oldEndsAt }, before: { expiresAt: key.expiresAt }, after: { expiresAt: oldEndsAt, replacedBy: prefix } },
      async (tx) => {
        const created = (await tx.insert(apiKeys).values({ id, appId: owner.id, name, prefix, hash, expiresAt: key.expiresAt }).returning())[0]!;
        const previous = (await tx.update(apiKeys).set({ expiresAt: oldEndsAt }).where(eq(apiKeys.id, key.id)).returning())[0]!;
        return { created, previous };
      },
    );
    return c.json({ key: keyView(created), secret, previous: keyView(previous) }, 201);
  });

  app.post('/apps/:appId/keys/:keyId/revoke', async (c) => {
    const { actor, owner, key } = await loadKey(c);
    await readNoBody(c);
    if (key.revokedAt !== null) throw conflict('The key is already revoked.');
    const revokedAt = Date.now();
    const row = await ctx.commitChange(
      actor.id,
      { action: 'key.revoke', targetType: 'key', targetId: key.id, teamId: owner.teamId, summary: { appId: owner.id, prefix: key.prefix }, before: { revokedAt: null }, after: { revokedAt } },
      async (tx) => (await tx.update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, key.id)).returning())[0],
    );
    return c.json({ key: keyView(row!) });
  });

  return app;
}
