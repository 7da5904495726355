import type { ReactNode } from 'react';

/**
 * A data table that scrolls sideways inside its frame on a narrow screen (the page never does), named by a
 * caption screen readers hear; `columns` are the header cells, `children` the body rows.
 */
export function Table({ caption, columns, children }: { caption: string; columns: ReactNode[]; children: ReactNode }) {
  return (
    // Focusable and named: a table wider than the screen scrolls, and a keyboard must be able to scroll it too.
    <div className="table-wrap" tabIndex={0} role="region" aria-label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th key={i} scope="col">{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
