import { eq } from 'drizzle-orm';
import { first, releases } from '@tollgate/db';
import type { ServiceRow } from '../access/load';
import type { Reader } from '../changes/tx';
import { readReleaseConfig, type ReleaseConfig } from '../releases/config';

/** The config the gateway serves for `service` now, whoever asks; null while it has no live release. */
export async function liveReleaseConfig(db: Reader, service: ServiceRow): Promise<ReleaseConfig | null> {
  if (!service.liveReleaseId) return null;
  const row = await first(db.select({ config: releases.config }).from(releases).where(eq(releases.id, service.liveReleaseId)));
  return row ? readReleaseConfig(row.config, service.id) : null;
}
