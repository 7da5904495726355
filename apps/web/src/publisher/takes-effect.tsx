import type { TakesEffect, WhenServed } from '../api/types';

const words: Record<TakesEffect, string> = {
  now: 'Live now: gateways serve it within seconds.',
  'next release': 'Saved in the working copy: it takes effect with the next release (see Releases).',
  'first publish': 'Saved: it takes effect when the service is first published (see Lifecycle).',
  'prompt publish': 'Saved: it takes effect once the prompt has a published version, then with the next release.',
  never: 'Saved, but the service is retired: it will never be served.',
};

/** What an edit's answer says about when the gateway serves it, in words, next to the form that made it. */
export function TakesEffectNote({ when, what = 'Saved' }: { when: Partial<WhenServed> | null | undefined; what?: string }) {
  if (!when) return null;
  const text = when.takesEffect ? words[when.takesEffect] : `${what}.`;
  return (
    <p role="status" className={`note ${when.live ? 'note-good' : 'note-info'}`}>
      {text}
    </p>
  );
}
