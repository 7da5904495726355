import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { useMyApps } from '../api/apps';
import type { Service } from '../api/types';

/** The services the user can see (the catalogue's list, shared with it in the cache). */
export const useVisibleServices = () => useQuery({ queryKey: ['services', '', ''], queryFn: () => api.get<{ services: Service[] }>('/api/services') });

/**
 * Names for the ids a call record carries: the user's own apps and the services they can see. An id with
 * no known name (another team's app, seen by the service's publisher) is shown as it is.
 */
export function useNames() {
  const mine = useMyApps();
  const services = useVisibleServices();
  const apps = new Map((mine.data?.apps ?? []).map(({ app }) => [app.id as string, app.name]));
  const serviceNames = new Map((services.data?.services ?? []).map((s) => [s.id as string, s.name]));
  const teams = new Map((mine.data?.teams ?? []).map((t) => [t.id as string, t.name]));
  const name = (map: Map<string, string>) => (id: string | null) => (id === null ? '–' : (map.get(id) ?? id));
  return { app: name(apps), service: name(serviceNames), team: name(teams) };
}
