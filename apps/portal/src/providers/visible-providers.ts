import { eq } from 'drizzle-orm';
import { modelRoutes, services } from '@tollgate/db';
import type { ProviderId } from '@tollgate/domain';
import type { Actor } from '../auth/sessions';
import { canSeeService, teamsWithRole } from '../access/policy';
import type { Reader } from '../changes/tx';

/**
 * The providers `actor` may know of: all of them (null) for platform admins and for team admins and owners, who
 * pick providers for their model routes; for everyone else only those behind the model routes of services they
 * can see, so a plain member learns nothing of another team's infrastructure.
 */
export async function visibleProviderIds(db: Reader, actor: Actor): Promise<Set<ProviderId> | null> {
  const builders = teamsWithRole(actor, 'admin');
  if (builders === null || builders.length > 0) return null;
  const visible = new Set<ProviderId>();
  const rows = await db
    .select({ teamId: services.teamId, visibility: services.visibility, lifecycle: services.lifecycle, targets: modelRoutes.targets })
    .from(modelRoutes)
    .innerJoin(services, eq(services.id, modelRoutes.serviceId));
  for (const row of rows) {
    if (!canSeeService(actor, row)) continue;
    for (const target of row.targets) visible.add(target.providerId);
  }
  return visible;
}
