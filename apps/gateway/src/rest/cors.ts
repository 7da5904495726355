import type { CorsPolicy } from '@tollgate/domain';

/**
 * CORS per REST service. Origins are exact (`https://app.example.com`), `*` (any), or a subdomain wildcard
 * `https://*.example.com`, which takes ONE OR MORE labels (`a.example.com`, `a.b.example.com`) but not the
 * bare `example.com`, with the same scheme and port as written. The allowed origin is always echoed (never
 * `*`), with `Vary: Origin`, so a response cached for one origin is never served to another.
 */
interface CompiledCors {
  anyOrigin: boolean;
  exact: ReadonlySet<string>;
  wildcards: ReadonlyArray<{ scheme: string; suffix: string }>;
  methods: ReadonlySet<string>;
  anyMethod: boolean;
  headers: ReadonlySet<string>;
  anyHeader: boolean;
  allowMethods: string;
  exposeHeaders: string;
}

const label = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
const compiled = new WeakMap<CorsPolicy, CompiledCors>();

function compile(policy: CorsPolicy): CompiledCors {
  let c = compiled.get(policy);
  if (c) return c;
  const exact = new Set<string>();
  const wildcards: Array<{ scheme: string; suffix: string }> = [];
  for (const origin of policy.allowOrigins) {
    const o = origin.trim().toLowerCase().replace(/\/+$/, '');
    const star = o.indexOf('://*.');
    if (star > 0) wildcards.push({ scheme: o.slice(0, star + 3), suffix: o.slice(star + 4) });
    else exact.add(o);
  }
  const methods = new Set(policy.allowMethods.map((m) => m.toUpperCase()));
  // The Fetch standard reads `*` as a wildcard only on calls without credentials; with them it would be a
  // header or method literally named `*`, which none is.
  const wild = (set: ReadonlySet<string>) => set.has('*') && !policy.allowCredentials;
  const headers = new Set(policy.allowHeaders.map((h) => h.trim().toLowerCase()));
  c = {
    anyOrigin: exact.has('*'),
    exact,
    wildcards,
    methods,
    anyMethod: wild(methods),
    headers,
    anyHeader: wild(headers),
    allowMethods: [...methods].filter((m) => m !== '*').join(', '),
    exposeHeaders: policy.exposeHeaders.join(', '),
  };
  compiled.set(policy, c);
  return c;
}

export function originAllowed(policy: CorsPolicy, origin: string): boolean {
  const c = compile(policy);
  const o = origin.toLowerCase();
  if (c.anyOrigin || c.exact.has(o)) return true;
  for (const { scheme, suffix } of c.wildcards) {
    if (!o.startsWith(scheme) || !o.endsWith(suffix)) continue;
    const sub = o.slice(scheme.length, o.length - suffix.length);
    if (label.test(sub)) return true;
  }
  return false;
}

/** The headers an actual (non-preflight) call from an allowed origin carries, errors included. */
export function corsResponseHeaders(policy: CorsPolicy, origin: string | undefined): Record<string, string> {
  if (!origin || !originAllowed(policy, origin)) return { vary: 'Origin' };
  const c = compile(policy);
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  if (policy.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  if (c.exposeHeaders) headers['access-control-expose-headers'] = c.exposeHeaders;
  return headers;
}

export type PreflightAnswer = { ok: true; headers: Record<string, string> } | { ok: false; code: string; message: string };

/** The gateway's own answer to a preflight: the upstream is never asked, and no key is needed. */
export function answerPreflight(policy: CorsPolicy, origin: string, method: string, requestedHeaders: string | undefined): PreflightAnswer {
  if (!originAllowed(policy, origin)) return { ok: false, code: 'cors_origin_not_allowed', message: `Origin '${origin}' may not call this service from a browser.` };
  const c = compile(policy);
  const wanted = method.toUpperCase();
  if (!c.anyMethod && !c.methods.has(wanted)) {
    return { ok: false, code: 'cors_method_not_allowed', message: `Method ${wanted} is not allowed from a browser; allowed: ${c.allowMethods || 'none'}.` };
  }
  const asked = (requestedHeaders ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
  const refused = c.anyHeader ? [] : asked.filter((h) => !c.headers.has(h));
  if (refused.length > 0) {
    return { ok: false, code: 'cors_header_not_allowed', message: `Request header(s) ${refused.join(', ')} are not allowed from a browser.` };
  }
  const headers: Record<string, string> = {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': c.anyMethod ? wanted : c.allowMethods,
    'access-control-max-age': String(policy.maxAgeSeconds),
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  if (asked.length > 0) headers['access-control-allow-headers'] = asked.join(', ');
  if (policy.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  return { ok: true, headers };
}
