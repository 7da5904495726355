import { useQuery } from '@tanstack/react-query';
import { api } from '../api/client';
import { isPlatformAdmin, useMe } from '../api/session';
import type { Team } from '../api/types';
import { SelectField } from '../ui/field';

/**
 * The teams whose settings the user manages (admin or owner; every team for a platform admin) and the one
 * chosen in the URL (`?team=`), the first by default.
 */
export function useManagedTeam(chosen: string) {
  const me = useMe().data;
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<{ teams: Team[] }>('/api/teams') });
  const managed = (teams.data?.teams ?? []).filter((t) => isPlatformAdmin(me) || t.role === 'admin' || t.role === 'owner');
  const team = managed.find((t) => t.id === chosen) ?? (chosen ? undefined : managed[0]);
  return { teams, managed, team };
}

export function TeamPicker({ managed, value, onChange }: { managed: Team[]; value: string; onChange: (teamId: string) => void }) {
  if (managed.length < 2) return null;
  return (
    <div className="team-picker">
      <SelectField label="Team" value={value} onChange={(e) => onChange(e.target.value)}>
        {managed.map((t) => <option key={t.id} value={t.id}>{t.name}</option>)}
      </SelectField>
    </div>
  );
}
