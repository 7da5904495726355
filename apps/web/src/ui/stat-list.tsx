import type { ReactNode } from 'react';

export interface Stat {
  label: string;
  value: ReactNode;
  /** A second line: a breakdown or a rate (“2 of 10, 20%”). */
  detail?: ReactNode;
}

/** Headline figures as cards: a description list, so each number is read with its name. */
export function StatList({ stats }: { stats: Stat[] }) {
  return (
    <dl className="stat-list">
      {stats.map((s) => (
        <div key={s.label} className="stat card">
          <dt>{s.label}</dt>
          <dd className="stat-value">{s.value}</dd>
          {s.detail ? <dd className="stat-detail muted">{s.detail}</dd> : null}
        </div>
      ))}
    </dl>
  );
}
