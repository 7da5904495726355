import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import { adminTeamIds, isPlatformAdmin, useMe } from './session';
import type { Service } from './types';

/**
 * The services the user publishes and decides on: those of the teams they administer (every service for a
 * platform admin, who sees the platform-wide queue). From the catalogue call, which lists a team's own services.
 */
export function useDecidedServices() {
  const me = useMe().data;
  const services = useQuery({ queryKey: ['services', '', ''], queryFn: () => api.get<{ services: Service[] }>('/api/services') });
  const teams = adminTeamIds(me);
  const mine = (services.data?.services ?? []).filter((s) => isPlatformAdmin(me) || teams.includes(s.teamId));
  return { services: mine, query: services, platformWide: isPlatformAdmin(me) };
}
