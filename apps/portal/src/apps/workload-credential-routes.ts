import { Hono } from 'hono';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { appWorkloadCredentials, first } from '@tollgate/db';
import { newId } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { conflict } from '../http/errors';
import { readJson, readNoBody } from '../http/validate';
import { credentialOwner, credentialToRevoke } from './credential-access';
import { createWorkloadCredentialSchema, workloadCredentialTarget, workloadCredentialView } from './workload-schema';

/** One per workload (service account) that calls as the app, per cluster: a cap keeps the snapshot bounded. */
const maxPerApp = 50;

/**
 * Workload credentials of an app (ADR 0033): like its JWT credentials, the consumer's own, managed by any member
 * of its team and served from the next snapshot; no release involved, so answers carry no `takesEffect`.
 */
export function workloadCredentialRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/apps/:appId/workload-credentials', async (c) => {
    const { actor, owner } = await credentialOwner(ctx, c);
    const { spiffeId } = await readJson(c, createWorkloadCredentialSchema);
    const id = newId('credential');
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'credential.create',
        targetType: workloadCredentialTarget,
        targetId: id,
        teamId: owner.teamId,
        summary: { appId: owner.id, type: 'workload', spiffeId },
        after: { spiffeId },
      },
      async (tx) => {
        // Checked under the write lock the change holds, so two portal processes cannot both pass it.
        const active = await tx.select().from(appWorkloadCredentials).where(isNull(appWorkloadCredentials.revokedAt));
        // One mTLS identity must name one app: the gateway could not choose between two.
        const same = active.find((r) => r.spiffeId === spiffeId);
        if (same) throw conflict(`${same.appId === owner.id ? 'This app' : 'Another app'} already has a workload credential for ${spiffeId}; revoke that one first.`);
        if (active.filter((r) => r.appId === owner.id).length >= maxPerApp) throw conflict(`An app has at most ${maxPerApp} active workload credentials; revoke one first.`);
        return (await tx.insert(appWorkloadCredentials).values({ id, appId: owner.id, spiffeId, createdBy: actor.id }).returning())[0]!;
      },
    );
    return c.json({ credential: workloadCredentialView(row) }, 201);
  });

  app.get('/apps/:appId/workload-credentials', async (c) => {
    const { owner } = await credentialOwner(ctx, c);
    const rows = await ctx.db
      .select()
      .from(appWorkloadCredentials)
      .where(eq(appWorkloadCredentials.appId, owner.id))
      .orderBy(desc(appWorkloadCredentials.createdAt), desc(appWorkloadCredentials.id));
    return c.json({ credentials: rows.map(workloadCredentialView) });
  });

  /** Revokes: the row stays, for the audit trail and the list, and the next snapshot no longer knows the SPIFFE ID. */
  app.delete('/apps/:appId/workload-credentials/:credentialId', async (c) => {
    const { actor, owner } = await credentialOwner(ctx, c);
    await readNoBody(c);
    const credential = await credentialToRevoke(c, (id) =>
      first(ctx.db.select().from(appWorkloadCredentials).where(and(eq(appWorkloadCredentials.id, id), eq(appWorkloadCredentials.appId, owner.id)))),
    );
    const revokedAt = Date.now();
    const row = await ctx.commitChange(
      actor.id,
      {
        action: 'credential.revoke',
        targetType: workloadCredentialTarget,
        targetId: credential.id,
        teamId: owner.teamId,
        summary: { appId: owner.id, type: 'workload', spiffeId: credential.spiffeId },
        before: { revokedAt: null },
        after: { revokedAt },
      },
      async (tx) => (await tx.update(appWorkloadCredentials).set({ revokedAt }).where(eq(appWorkloadCredentials.id, credential.id)).returning())[0]!,
    );
    return c.json({ credential: workloadCredentialView(row) });
  });

  return app;
}
