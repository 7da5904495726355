import { Hono } from 'hono';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { services } from '@tollgate/db';
import { lifecycleStates, type LifecycleState } from '@tollgate/domain';
import type { PortalContext, PortalEnv } from '../context';
import { requireOwned, requireSignedIn } from '../access/policy';
import { findService } from '../access/load';
import { conflict } from '../http/errors';
import { readJson } from '../http/validate';
import { publishWorkingCopy } from '../releases/config';
import { serviceViewFor } from './views';
import { assertHostsServable } from '../rest/hosts';
import { fillServiceRest } from '../rest/fill';

/**
 * The one table of lifecycle moves. Deprecation is reversible (a publisher may change their mind); retirement
 * is final because consumers were told the service is gone.
 */
export const lifecycleTransitions: Readonly<Record<LifecycleState, readonly LifecycleState[]>> = {
  draft: ['published'],
  published: ['deprecated'],
  deprecated: ['published', 'retired'],
  retired: [],
};

export function assertLifecycleTransition(from: LifecycleState, to: LifecycleState): void {
  const allowed = lifecycleTransitions[from];
  if (allowed.includes(to)) return;
  const next = allowed.length ? `allowed next states: ${allowed.join(', ')}` : 'it is final';
  throw conflict(`A ${from} service cannot become ${to}; ${next}.`);
}

export const lifecycleSchema = z
  .strictObject({
    state: z.enum(lifecycleStates),
    /** Deprecation only: the announced retirement date, sent to callers as the `Sunset` header. */
    sunsetAt: z.iso
      .datetime({ offset: true })
      .transform((s) => Date.parse(s))
      .refine((ms) => ms > Date.now(), 'must be in the future')
      .optional(),
  })
  .refine((o) => o.sunsetAt === undefined || o.state === 'deprecated', { message: 'only a deprecation announces a sunset date', path: ['sunsetAt'] });

const lifecycleActions: Record<LifecycleState, string> = {
  draft: 'service.unpublish',
  published: 'service.publish',
  deprecated: 'service.deprecate',
  retired: 'service.retire',
};

export function lifecycleRoutes(ctx: PortalContext) {
  const app = new Hono<PortalEnv>();

  app.post('/services/:serviceId/lifecycle', async (c) => {
    const actor = requireSignedIn(c.get('actor'));
    const { id } = requireOwned(actor, await findService(ctx.db, c.req.param('serviceId')), 'admin', 'Service');
    const { state, sunsetAt } = await readJson(c, lifecycleSchema);
    // Read again after awaiting the body. The host check reads outside the commit's transaction, so another
    // request may run between it and the commit (ADR 0040: to lock or re-check inside it on PostgreSQL).
    const service = (await findService(ctx.db, id))!;
    assertLifecycleTransition(service.lifecycle, state);
    if (service.lifecycle === 'draft' && service.kind === 'rest') await assertHostsServable(ctx.db, actor, service.id, fillServiceRest(service.rest).hosts);
    const result = await ctx.commitChange(
      actor.id,
      { action: lifecycleActions[state], targetType: 'service', targetId: service.id, teamId: service.teamId, summary: { from: service.lifecycle, to: state, sunsetAt }, before: { lifecycle: service.lifecycle }, after: { lifecycle: state, ...(sunsetAt ? { sunsetAt } : {}) } },
      async (tx) => {
        const now = Date.now();
        // Deprecation dates belong to the deprecated state: set on entering it, cleared on going back to published.
        const dates =
          state === 'deprecated' ? { deprecatedAt: now, sunsetAt: sunsetAt ?? null } : state === 'published' ? { deprecatedAt: null, sunsetAt: null } : {};
        const updated = (await tx.update(services).set({ lifecycle: state, updatedAt: now, ...dates }).where(eq(services.id, service.id)).returning())[0]!;
        // The first publish freezes the working copy as release 1; going back from deprecated keeps the live one.
        const release = service.lifecycle === 'draft' ? await publishWorkingCopy(tx, service.id, actor.id) : null;
        return { updated: release ? (await findService(tx, service.id))! : updated, release };
      },
    );
    const release = result.release && { id: result.release.id, version: result.release.version, createdAt: result.release.createdAt };
    return c.json({ service: serviceViewFor(actor)(result.updated), release });
  });

  return app;
}
