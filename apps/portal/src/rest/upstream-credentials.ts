import { and, eq, inArray } from 'drizzle-orm';
import type { Logger } from 'pino';
import { changedRows, upstreamCredentials } from '@tollgate/db';
import type { ServiceId } from '@tollgate/domain';
import type { Reader, Tx } from '../changes/tx';
import type { SecretBox } from '../secrets/secret-box';

/**
 * Upstream credentials: a static header per (service, upstream name), the value sealed like provider keys.
 * They take effect at once and are never part of a release (ADR 0018): a rotated secret must not wait for a
 * release, and a rollback must never bring a removed one back.
 */

/** What answers show: the header name and that a value is set, never the value. */
export const maskedCredential = (header: string) => ({ header, value: '…set' });

/** Header names of the credentials a service holds, by upstream name. */
export async function credentialHeaders(db: Reader, serviceId: ServiceId): Promise<Map<string, string>> {
  const rows = await db
    .select({ upstream: upstreamCredentials.upstream, header: upstreamCredentials.header })
    .from(upstreamCredentials)
    .where(eq(upstreamCredentials.serviceId, serviceId));
  return new Map(rows.map((r) => [r.upstream, r.header]));
}

export async function putCredential(tx: Tx, secrets: SecretBox, serviceId: ServiceId, upstream: string, credential: { header: string; value: string }): Promise<void> {
  const row = { header: credential.header, value: secrets.seal(credential.value), updatedAt: Date.now() };
  await tx
    .insert(upstreamCredentials)
    .values({ serviceId, upstream, ...row })
    .onConflictDoUpdate({ target: [upstreamCredentials.serviceId, upstreamCredentials.upstream], set: row });
}

export async function deleteCredential(tx: Tx, serviceId: ServiceId, upstream: string): Promise<boolean> {
  return changedRows(await tx.delete(upstreamCredentials).where(and(eq(upstreamCredentials.serviceId, serviceId), eq(upstreamCredentials.upstream, upstream)))) > 0;
}

/**
 * The opened credentials of some services, by service and upstream name, for the snapshot. One that cannot be
 * opened (sealed under another master key) is left out and logged, as a provider's is: the upstream is then
 * called without it rather than with a wrong one, and every other change still reaches the gateway.
 */
export async function openCredentials(db: Reader, secrets: SecretBox, serviceIds: ServiceId[], logger?: Pick<Logger, 'error'>): Promise<Map<string, { header: string; value: string }>> {
  const opened = new Map<string, { header: string; value: string }>();
  if (!serviceIds.length) return opened;
  for (const row of await db.select().from(upstreamCredentials).where(inArray(upstreamCredentials.serviceId, serviceIds))) {
    try {
      opened.set(credentialKey(row.serviceId, row.upstream), { header: row.header, value: secrets.open(row.value) });
    } catch (err) {
      logger?.error(
        { err, serviceId: row.serviceId, upstream: row.upstream },
        `the credential of upstream ${row.upstream} of service ${row.serviceId} cannot be opened with this master key; it is left out of the gateway snapshot: set it again`,
      );
    }
  }
  return opened;
}

export const credentialKey = (serviceId: string, upstream: string) => `${serviceId} ${upstream}`;
