import { useState } from 'react';

/** Copies `text` to the clipboard and says so where screen readers hear it. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'copied' | 'failed' | null>(null);
  return (
    <>
      <button
        type="button"
        className="button button-secondary"
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(text);
            setDone('copied');
          } catch {
            setDone('failed');
          }
        }}
      >
        {label}
      </button>
      <span role="status" className="muted">
        {done === 'copied' ? ' Copied.' : done === 'failed' ? ' Copying failed: select the text and copy it yourself.' : ''}
      </span>
    </>
  );
}
