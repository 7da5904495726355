import type { LifecycleState, TeamId, TeamRole } from '@tollgate/domain';
import type { Actor } from '../auth/sessions';
import { ApiError, forbidden, notFound } from '../http/errors';

/**
 * Every permission decision of the portal is made here. The rule of thumb: a person outside a team learns
 * nothing about it (404, as if the thing did not exist); a member without enough rights is told so (403).
 */
const rank: Record<TeamRole, number> = { member: 1, admin: 2, owner: 3 };

export const isPlatformAdmin = (actor: Actor) => actor.role === 'admin';

export function requirePlatformAdmin(actor: Actor): void {
  if (!isPlatformAdmin(actor)) throw forbidden('This action needs the platform admin role.');
}

/** Returns normally when `actor` has at least `minRole` in `teamId`; platform admins pass everywhere. */
export function requireTeamRole(actor: Actor, teamId: TeamId, minRole: TeamRole, what = 'Team'): void {
  if (isPlatformAdmin(actor)) return;
  const role = actor.teams.get(teamId);
  if (!role) throw notFound(what);
  if (rank[role] < rank[minRole]) throw forbidden(`This action needs the team role ${minRole} or higher.`);
}

export const canReadTeam = (actor: Actor, teamId: TeamId) => isPlatformAdmin(actor) || actor.teams.has(teamId);

/** Team ids whose data `actor` may read; `null` means all (platform admin). */
export const readableTeams = (actor: Actor): TeamId[] | null => (isPlatformAdmin(actor) ? null : [...actor.teams.keys()]);

/** Loads a team-owned row and checks access in one step, so a route cannot forget the check. */
export function requireOwned<T extends { teamId: TeamId }>(
  actor: Actor,
  row: T | undefined,
  minRole: TeamRole,
  what: string,
): T {
  if (!row) throw notFound(what);
  requireTeamRole(actor, row.teamId, minRole, what);
  return row;
}

export function requireSignedIn(actor: Actor | undefined): Actor {
  if (!actor) throw new ApiError(401, 'unauthenticated', 'Sign in first: POST /api/auth/login.');
  return actor;
}

/** Team ids where `actor` holds at least `minRole`; `null` means all (platform admin). */
export function teamsWithRole(actor: Actor, minRole: TeamRole): TeamId[] | null {
  if (isPlatformAdmin(actor)) return null;
  return [...actor.teams].filter(([, role]) => rank[role] >= rank[minRole]).map(([teamId]) => teamId);
}

/**
 * Things two teams share (a subscription joins the consumer's app and the publisher's service): someone in
 * neither team gets 404; someone in the other team already knows the thing exists, so they hear 403 instead.
 */
export function requireSharedRole(actor: Actor, acting: TeamId, other: TeamId, minRole: TeamRole, what: string): void {
  if (isPlatformAdmin(actor)) return;
  if (!actor.teams.has(acting) && actor.teams.has(other)) {
    throw forbidden(`This action belongs to the other team of this ${what.toLowerCase()}.`);
  }
  requireTeamRole(actor, acting, minRole, what);
}

/** Lifecycle states in which a public service shows in everyone's catalogue; drafts and retired ones do not. */
export const listedLifecycles = ['published', 'deprecated'] as const satisfies readonly LifecycleState[];

interface ServiceVisibility {
  teamId: TeamId;
  visibility: 'public' | 'team';
  lifecycle: LifecycleState;
}

const isListed = (service: ServiceVisibility): boolean =>
  service.visibility === 'public' && (listedLifecycles as readonly LifecycleState[]).includes(service.lifecycle);

/** The catalogue rule: a team sees all its own services, and everyone sees listed public ones. */
export const serviceVisibleToTeam = (service: ServiceVisibility, teamId: TeamId): boolean =>
  isListed(service) || service.teamId === teamId;

export const canSeeService = (actor: Actor, service: ServiceVisibility): boolean =>
  isPlatformAdmin(actor) || isListed(service) || actor.teams.has(service.teamId);

/** Returns the service when `actor` may see it; an invisible service is indistinguishable from a missing one. */
export function requireVisibleService<T extends ServiceVisibility>(actor: Actor, service: T | undefined): T {
  if (!service || !canSeeService(actor, service)) throw notFound('Service');
  return service;
}
