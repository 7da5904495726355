/** A short state word (published, pending, ai, rest) with a colour that never carries the meaning alone. */
export function Badge({ children, tone = 'neutral' }: { children: string; tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info' }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

const tones: Record<string, 'neutral' | 'good' | 'warn' | 'bad' | 'info'> = {
  published: 'good',
  approved: 'good',
  active: 'good',
  pending: 'warn',
  deprecated: 'warn',
  paused: 'warn',
  draft: 'neutral',
  rejected: 'bad',
  revoked: 'bad',
  retired: 'bad',
  cancelled: 'neutral',
};
export const StateBadge = ({ state }: { state: string }) => <Badge tone={tones[state] ?? 'neutral'}>{state}</Badge>;
