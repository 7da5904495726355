import type { ReleaseConfig } from './config';

export interface ReleaseChange {
  /**
   * Where the change is: `service.name`, `rest.hosts`, `rest.upstreams[canary]`, `rest.traffic`, `apis[GET /pets/{id}]`,
   * `models[fast]`, `prompts[/summarize]`, `openapi`.
   */
  path: string;
  change: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** JSON with object keys sorted, so two equal configs compare equal whatever order their keys were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Flattens a config into named entries: one per service field, REST setting, upstream, API (by methods and path) and model. */
function entries(config: ReleaseConfig): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [field, value] of Object.entries(config.service)) out.set(`service.${field}`, value);
  if (config.rest) {
    const { upstreams, ...settings } = config.rest;
    for (const [field, value] of Object.entries(settings)) out.set(`rest.${field}`, value);
    for (const { name, ...upstream } of upstreams) out.set(`rest.upstreams[${name}]`, upstream);
  }
  // The id is left out: an API re-created with the same methods and path (an OpenAPI re-import) is the same operation.
  for (const { methods, path, id: _id, ...api } of config.apis) out.set(`apis[${[...methods].sort().join(',')} ${path}]`, api);
  for (const model of config.models) out.set(`models[${model.name}]`, model.targets);
  // Keyed by path, the address callers use; the id is left out so only what the gateway serves can differ.
  for (const { path, id: _id, ...prompt } of config.prompts) out.set(`prompts[${path}]`, prompt);
  if (config.openapi) out.set('openapi', config.openapi);
  return out;
}

/** What changed from `from` to `to`, in a stable order: service fields, REST settings, then APIs, models, prompts and the document. */
export function diffReleaseConfigs(from: ReleaseConfig, to: ReleaseConfig): ReleaseChange[] {
  const a = entries(from);
  const b = entries(to);
  const changes: ReleaseChange[] = [];
  for (const path of new Set([...a.keys(), ...b.keys()])) {
    const inA = a.has(path);
    const inB = b.has(path);
    if (inA && !inB) changes.push({ path, change: 'removed', before: a.get(path) });
    else if (!inA && inB) changes.push({ path, change: 'added', after: b.get(path) });
    else if (canonical(a.get(path)) !== canonical(b.get(path))) changes.push({ path, change: 'changed', before: a.get(path), after: b.get(path) });
  }
  const rank = (p: string) => ['service.', 'rest.', 'apis[', 'models[', 'prompts[', 'openapi'].findIndex((prefix) => p.startsWith(prefix));
  return changes.sort((x, y) => rank(x.path) - rank(y.path) || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}
