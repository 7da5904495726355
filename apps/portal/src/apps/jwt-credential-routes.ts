import { Hono } from 'hono';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { appCredentials, first } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { conflict } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { credentialOwner, credentialToRevoke } from './credential-access';
import { createJwtCredentialSchema, jwtCredentialView } from './jwt-schema';

/** More than any app needs (one per identity provider and environment); a cap keeps the snapshot bounded. */
const maxPerApp = 20;

/**
 * JWT credentials of an app: like its API keys, the consumer's own, managed by any member of its team and
 * served from the next snapshot; no release involved (ADR 0018), so answers carry no `takesEffect`.
 */
export function jwtCredentialRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/apps/:appId/jwt-credentials', async (c) => {
    const { actor, owner } = await credentialOwner(ctx, c);
    const input = await readJson(c, createJwtCredentialSchema);
    const active = await ctx.db.select().from(appCredentials).where(isNull(appCredentials.revokedAt));
    if (active.filter((r) => r.appId === owner.id).length >= maxPerApp) throw conflict(`An app has at most ${maxPerApp} active JWT credentials; revoke one first.`);
    // One token must identify one app: the gateway could not choose between two that accept it.
    const same = active.find((r) => r.issuer === input.issuer && r.subjectClaim === input.subjectClaim && r.subject === input.subject && r.audiences.some((a) => input.audiences.includes(a)));
    if (same) {
      const where = same.appId === owner.id ? 'this app' : 'another app';
      throw conflict(`${where} already has a JWT credential for issuer ${input.issuer}, ${input.subjectClaim} ${input.subject} and one of these audiences.`);
    }
    const id = newId('credential');
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'credential.create',
        targetType: 'credential',
        targetId: id,
        teamId: owner.teamId,
        summary: { appId: owner.id, type: 'jwt', issuer: input.issuer, subject: input.subject },
        after: { issuer: input.issuer, jwksUrl: input.jwksUrl ?? null, keys: input.keys?.length ?? 0, audiences: input.audiences, subjectClaim: input.subjectClaim, subject: input.subject, algorithms: input.algorithms },
      },
      async (tx) =>
        (
          await tx
            .insert(appCredentials)
            .values({ id, appId: owner.id, ...input, jwksUrl: input.jwksUrl ?? null, keys: input.keys ?? null, createdBy: actor.id })
            .returning()
        )[0]!,
    );
    return c.json({ credential: jwtCredentialView(row) }, 201);
  });

  app.get('/apps/:appId/jwt-credentials', async (c) => {
    const { owner } = await credentialOwner(ctx, c);
    const rows = await ctx.db.select().from(appCredentials).where(eq(appCredentials.appId, owner.id)).orderBy(desc(appCredentials.createdAt), desc(appCredentials.id));
    return c.json({ credentials: rows.map(jwtCredentialView) });
  });

  /** Revokes: the row stays, for the audit trail and the list, and the next snapshot no longer accepts its tokens. */
  app.delete('/apps/:appId/jwt-credentials/:credentialId', async (c) => {
    const { actor, owner } = await credentialOwner(ctx, c);
    await readNoBody(c);
    const credential = await credentialToRevoke(c, (id) => first(ctx.db.select().from(appCredentials).where(and(eq(appCredentials.id, id), eq(appCredentials.appId, owner.id)))));
    const revokedAt = Date.now();
    const row = await ctx.commitChange(
      actor.id,
      { action: 'credential.revoke', targetType: 'credential', targetId: credential.id, teamId: owner.teamId, summary: { appId: owner.id, type: 'jwt', issuer: credential.issuer }, before: { revokedAt: null }, after: { revokedAt } },
      async (tx) => (await tx.update(appCredentials).set({ revokedAt }).where(eq(appCredentials.id, credential.id)).returning())[0]!,
    );
    return c.json({ credential: jwtCredentialView(row) });
  });

  return app;
}
