import { eq, isNotNull } from 'drizzle-orm';
import { releases, services, type Db } from '@tollgate/db';
import { createChangeCommitter } from '../changes/commit-change';
import { publishWorkingCopy, readReleaseConfig, workingConfig } from './config';
import { diffReleaseConfigs } from './diff';

/** A release frozen before releases were served (migration 0004): it kept the plans and lacks the APIs. */
const isLegacy = (config: unknown) => {
  const c = (config ?? {}) as Record<string, unknown>;
  return 'plans' in c || !('apis' in c);
};

/**
 * Before releases went live the gateway served each service's tables as they were, so edits made after the
 * last publish were live. Migration 0004 pointed every service at its newest (legacy) release, which may be
 * older than what callers were getting. Once, at start, a service whose only releases are legacy ones and whose
 * working copy differs from the live one gets its working copy published, so upgrading changes nothing for
 * callers. Returns the slugs it released.
 */
export async function releaseWhatWasServedBeforeUpgrade(db: Db): Promise<string[]> {
  const commit = createChangeCommitter(db, () => {});
  const released: string[] = [];
  const live = await db.select({ service: services, release: releases }).from(services).innerJoin(releases, eq(releases.id, services.liveReleaseId)).where(isNotNull(services.liveReleaseId));
  for (const { service, release } of live) {
    if (!isLegacy(release.config)) continue;
    const all = await db.select({ config: releases.config, version: releases.version }).from(releases).where(eq(releases.serviceId, service.id));
    if (!all.every((r) => isLegacy(r.config))) continue;
    // Only what the gateway served counts (legacy releases never held the APIs or the document).
    const served = diffReleaseConfigs(readReleaseConfig(release.config, service.id), await workingConfig(db, service.id)).filter((c) => /^(service\.(name|directModels)$|models\[)/.test(c.path));
    if (!served.length) continue;
    await commit(
      null,
      {
        action: 'service.release',
        targetType: 'service',
        targetId: service.id,
        teamId: service.teamId,
        summary: { reason: 'upgrade: the gateway served the working copy before releases were served' },
        before: { liveVersion: release.version },
        after: { liveVersion: Math.max(...all.map((r) => r.version)) + 1 },
      },
      (tx) => publishWorkingCopy(tx, service.id, null),
    );
    released.push(service.slug);
  }
  return released;
}
