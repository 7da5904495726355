import { inArray } from 'drizzle-orm';
import { releases } from '@tollgate/db';
import type { ReleaseId } from '@tollgate/domain';
import type { Actor } from '../auth/sessions';
import { canReadTeam } from '../access/policy';
import type { ServiceRow } from '../access/load';
import type { Reader } from '../changes/tx';
import { readReleaseConfig, type ReleaseConfig } from './config';

/**
 * What people outside a service's team see of it is what the gateway serves: the live release, never the
 * working copy, where unreleased edits (a new model, an internal endpoint, a new name) wait. The owning team and
 * platform admins see the working copy. Returns null for a caller who sees the working copy, or a draft.
 */
export async function liveConfigFor(db: Reader, actor: Actor, service: ServiceRow): Promise<ReleaseConfig | null> {
  if (canReadTeam(actor, service.teamId) || !service.liveReleaseId) return null;
  return (await liveConfigs(db, [service.liveReleaseId])).get(service.liveReleaseId) ?? null;
}

async function liveConfigs(db: Reader, ids: ReleaseId[]): Promise<Map<ReleaseId, ReleaseConfig>> {
  if (!ids.length) return new Map();
  const rows = await db.select({ id: releases.id, serviceId: releases.serviceId, config: releases.config }).from(releases).where(inArray(releases.id, ids));
  return new Map(rows.map((r) => [r.id, readReleaseConfig(r.config, r.serviceId)]));
}

/** Service rows as `actor` may see them: released name, description, direct-model setting and REST settings for outsiders. */
export async function publishedFaces(db: Reader, actor: Actor, rows: ServiceRow[]): Promise<ServiceRow[]> {
  const outside = rows.filter((s) => !canReadTeam(actor, s.teamId) && s.liveReleaseId);
  const configs = await liveConfigs(db, outside.map((s) => s.liveReleaseId!));
  return rows.map((s) => {
    const live = s.liveReleaseId && !canReadTeam(actor, s.teamId) ? configs.get(s.liveReleaseId) : undefined;
    return live ? { ...s, name: live.service.name, description: live.service.description, directModels: live.service.directModels, rest: live.rest } : s;
  });
}
