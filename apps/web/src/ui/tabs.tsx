import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

/**
 * Tabs after the WAI-ARIA pattern: one tab stop, arrow keys (and Home/End) move between tabs. The chosen tab
 * is the caller's state (usually the URL, so a tab can be linked to); only the open panel is rendered, so a
 * heavy panel (the API reference) loads only when opened.
 */
export function Tabs<K extends string>({ label, tabs, current, onChange, children }: {
  label: string;
  tabs: ReadonlyArray<{ key: K; label: string }>;
  current: K;
  onChange: (key: K) => void;
  children: ReactNode;
}) {
  const id = useId();
  const list = useRef<HTMLDivElement>(null);
  const move = (e: KeyboardEvent, index: number) => {
    const to = e.key === 'ArrowRight' ? index + 1 : e.key === 'ArrowLeft' ? index - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : null;
    if (to === null) return;
    e.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length]!;
    onChange(next.key);
    list.current?.querySelector<HTMLButtonElement>(`[data-tab="${next.key}"]`)?.focus();
  };
  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tab-list" ref={list}>
        {tabs.map((t, i) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            data-tab={t.key}
            id={`${id}-${t.key}`}
            aria-selected={t.key === current}
            aria-controls={`${id}-panel`}
            tabIndex={t.key === current ? 0 : -1}
            className="tab"
            onClick={() => onChange(t.key)}
            onKeyDown={(e) => move(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${id}-panel`} aria-labelledby={`${id}-${current}`} className="tab-panel">
        {children}
      </div>
    </div>
  );
}
