import type { ApiMatch } from './api-trie';

/** A node URL split the way undici is called: the origin, and the base path the API's path goes under. */
export interface NodeTarget {
  origin: string;
  basePath: string;
}

// Node URLs come from the snapshot, so this holds one entry per configured node; the bound only guards
// against a long-lived process seeing many revisions with ever-new nodes.
const parsed = new Map<string, NodeTarget>();

export function nodeTarget(url: string): NodeTarget {
  let target = parsed.get(url);
  if (!target) {
    const u = new URL(url);
    target = { origin: u.origin, basePath: u.pathname.replace(/\/+$/, '') };
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(url, target);
  }
  return target;
}

/**
 * The path the upstream is called with (before the node's base path): `stripPrefix` drops the API's literal
 * prefix, `template` is filled with the matched parameters (and, for a prefix API, followed by what lay below
 * it), no rewrite sends the path as called after the slug. Parameters go in raw, as the client encoded them.
 */
export function upstreamPath(match: ApiMatch): string {
  const { rewrite, pathType } = match.api.api;
  if (!rewrite) return match.path;
  if ('stripPrefix' in rewrite) return match.belowLiteral;
  const filled = rewrite.template.replace(/\{([^}/]+)\}/g, (_, name: string) => match.params[name] ?? '');
  const base = filled.startsWith('/') ? filled : `/${filled}`;
  if (pathType !== 'prefix' || match.belowTemplate === '/') return base;
  return base.replace(/\/+$/, '') + match.belowTemplate;
}

/**
 * The query the upstream gets: the caller's as sent, less the parameter that carried the caller's key and the
 * names the API adds itself (so a caller cannot override them), plus the API's `addQuery`. Left untouched
 * (not re-encoded) when nothing changes.
 */
export function upstreamQuery(raw: string, drop: string | null, add: Record<string, string>): string {
  const names = Object.keys(add);
  if (!drop && names.length === 0) return raw;
  const removed = new Set(names);
  if (drop) removed.add(drop);
  const kept = raw
    ? raw.split('&').filter((pair) => {
        if (!pair) return false;
        const eq = pair.indexOf('=');
        const name = eq < 0 ? pair : pair.slice(0, eq);
        let decoded = name;
        try {
          decoded = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          // A malformed name is kept as it came: it cannot be one of ours.
        }
        return !removed.has(decoded);
      })
    : [];
  for (const name of names) kept.push(`${encodeURIComponent(name)}=${encodeURIComponent(add[name]!)}`);
  return kept.join('&');
}
