import { useQuery } from '@tanstack/react-query';
import { api } from './client';
import type { App, Platform, Team } from './types';

/** Teams the user belongs to (a platform admin also reads others, but their apps are not "mine"). */
export const memberTeams = (teams: Team[]) => teams.filter((t) => t.role !== null);

/**
 * The apps of every team the user is a member of, each with its team: the portal lists apps per team, so
 * this asks once for the teams and once per team.
 */
export function useMyApps() {
  return useQuery({
    queryKey: ['my-apps'],
    queryFn: async () => {
      const { teams } = await api.get<{ teams: Team[] }>('/api/teams');
      const mine = memberTeams(teams);
      const lists = await Promise.all(mine.map((t) => api.get<{ apps: App[] }>(`/api/teams/${t.id}/apps`)));
      return { teams: mine, apps: lists.flatMap((l, i) => l.apps.map((app) => ({ app, team: mine[i]! }))) };
    },
  });
}

/** Where developers call the gateway; null when the portal was not told (the samples then say so). */
export function usePlatform() {
  return useQuery({ queryKey: ['platform'], queryFn: () => api.get<Platform>('/api/platform'), staleTime: 5 * 60_000 });
}
