import { sql, type SQL } from 'drizzle-orm';
import { jsonArrayElements, selectRaw, type JsonArrayElements } from '@tollgate/db';
import type { LifecycleState, ServiceId, TeamId } from '@tollgate/domain';
import type { Actor } from '../auth/sessions';
import { canSeeService } from '../access/policy';
import type { Reader } from '../changes/tx';
import { conflict } from '../http/errors';

/**
 * A host reaches one service only: the gateway routes on it before it knows which service is meant. Hosts are
 * claimed by working copies and by live releases: a host taken out of a working copy is still served until
 * that service's next release, so it is not free before then.
 */
interface Claim {
  host: string;
  serviceId: ServiceId;
  slug: string;
  teamId: TeamId;
  visibility: 'public' | 'team';
  lifecycle: LifecycleState;
  where: 'working copy' | 'live release';
}

// Raw selects: the hosts are elements of JSON arrays (jsonArrayElements says how on each database). Aliases are
// quoted so that PostgreSQL keeps their case.
async function claims(db: Reader, hosts: readonly string[], except: ServiceId, where: Array<Claim['where']>): Promise<Claim[]> {
  if (!hosts.length) return [];
  const wanted = sql.join(hosts.map((h) => sql`${h}`), sql`, `);
  const found: Claim[] = [];
  const select = async (claimedIn: Claim['where'], from: SQL, h: JsonArrayElements, also: SQL) => {
    const rows = await selectRaw<Omit<Claim, 'where'>>(
      db,
      sql`select s.id as "serviceId", s.slug as "slug", s.team_id as "teamId", s.visibility as "visibility", s.lifecycle as "lifecycle", ${h.text} as "host"
        from ${from}, ${h.from} where s.id != ${except}${also} and ${h.text} in (${wanted})`,
    );
    found.push(...rows.map((r) => ({ ...r, where: claimedIn })));
  };
  if (where.includes('working copy')) await select('working copy', sql`services s`, jsonArrayElements(db, sql`s.rest`, ['hosts'], 'h'), sql``);
  if (where.includes('live release')) {
    await select('live release', sql`services s join releases r on r.id = s.live_release_id`, jsonArrayElements(db, sql`r.config`, ['rest', 'hosts'], 'h'), sql` and s.lifecycle != 'retired'`);
  }
  return found;
}

/** Names the other service to whoever may know of it; to anyone else it is only "a service of another team". */
function refuse(claim: Claim, actor: Actor): never {
  const known = canSeeService(actor, claim);
  const who = known ? `service ${claim.slug}` : 'a service of another team';
  const hint = claim.where === 'live release' ? ' (its live release serves it; it is free once that service releases without it)' : '';
  throw conflict(`hosts: ${claim.host} is already a host of ${who}${hint}.`);
}

/** On an edit of the working copy: free in every other working copy and live release. */
export async function assertHostsFree(db: Reader, actor: Actor, serviceId: ServiceId, hosts: readonly string[]): Promise<void> {
  const [clash] = await claims(db, hosts, serviceId, ['working copy', 'live release']);
  if (clash) refuse(clash, actor);
}

/** On a release or rollback: free in every other service's live release (the gateway's view). */
export async function assertHostsServable(db: Reader, actor: Actor, serviceId: ServiceId, hosts: readonly string[]): Promise<void> {
  const [clash] = await claims(db, hosts, serviceId, ['live release']);
  if (clash) refuse(clash, actor);
}
