import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from './client';
import type { Me } from './types';

/** Who is signed in: null when nobody is (the portal answers 401), so the app shows the sign-in page. */
export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async (): Promise<Me | null> => {
      try {
        return await api.get<Me>('/api/auth/me');
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      }
    },
    staleTime: 60_000,
  });
}

/** Signs in or out, then forgets every cached answer: what the next person may see is theirs alone. */
export function useSession() {
  const client = useQueryClient();
  return {
    async signIn(email: string, password: string) {
      await api.post('/api/auth/login', { email, password });
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      await client.refetchQueries({ queryKey: ['me'] });
    },
    async signOut() {
      await api.post('/api/auth/logout');
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'me' });
      client.setQueryData(['me'], null);
    },
  };
}

export const isPlatformAdmin = (me: Me | null | undefined) => me?.user.role === 'admin';
/** Teams the user administers or owns: they publish services and decide subscriptions. */
export const adminTeamIds = (me: Me | null | undefined) => (me?.teams ?? []).filter((t) => t.role === 'admin' || t.role === 'owner').map((t) => t.teamId);
