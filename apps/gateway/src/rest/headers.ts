import type { IncomingHttpHeaders } from 'node:http';
import type { HeaderRules } from '@tollgate/domain';

export type HeaderMap = Record<string, string | string[]>;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and the ones undici refuses to be given: they describe one connection,
 * never the next. `expect` goes too: Node already answered `100 Continue` to the client.
 */
const hopByHop: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'http2-settings',
]);

/** The names a `Connection` header lists: hop-by-hop for this message too. */
function connectionListed(value: string | string[] | undefined): string[] {
  if (!value) return [];
  return (Array.isArray(value) ? value.join(',') : value).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}

function applyRules(headers: HeaderMap, rules: HeaderRules): void {
  for (const name of rules.remove) delete headers[name.toLowerCase()];
  for (const [name, value] of Object.entries(rules.set)) headers[name.toLowerCase()] = value;
  for (const [name, value] of Object.entries(rules.add)) {
    const key = name.toLowerCase();
    const current = headers[key];
    headers[key] = current === undefined ? value : [...(Array.isArray(current) ? current : [current]), value];
  }
}

export interface UpstreamHeaderParts {
  /** The caller's credential names (lower case): `authorization`, `x-api-key` and the service's own key header. */
  credentialHeaders: readonly string[];
  rules: HeaderRules;
  /** Added last, over anything the client sent or a rule set: forwarding, request id, trace, identity, credential. */
  gateway: Record<string, string>;
}

/**
 * The headers the upstream gets: the client's, less hop-by-hop ones, the caller's credential and every
 * `x-tollgate-*` (only the gateway speaks that prefix to an upstream), then the API's rules, then the
 * gateway's own headers, which a rule cannot override.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, parts: UpstreamHeaderParts): HeaderMap {
  const listed = connectionListed(incoming.connection);
  const out: HeaderMap = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || name === 'host' || hopByHop.has(name) || name.startsWith('x-tollgate-')) continue;
    out[name] = value;
  }
  for (const name of listed) delete out[name];
  for (const name of parts.credentialHeaders) delete out[name];
  applyRules(out, parts.rules);
  for (const name in out) if (name.startsWith('x-tollgate-')) delete out[name];
  Object.assign(out, parts.gateway);
  return out;
}

/** `x-forwarded-*` for the upstream: the chain a trusted proxy sent, extended with this hop's peer. */
export function forwardedHeaders(o: {
  incoming: IncomingHttpHeaders;
  peer: string;
  clientIp: string;
  encrypted: boolean;
}): Record<string, string> {
  // The client IP differs from the peer only when the peer is a trusted proxy (the context step believed its
  // headers); an untrusted peer's own x-forwarded-* are dropped, so an upstream cannot be told a made-up chain.
  const trusted = o.clientIp !== o.peer;
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const chain = trusted ? first(o.incoming['x-forwarded-for']) : undefined;
  return {
    'x-forwarded-for': chain ? `${chain}, ${o.peer}` : o.peer,
    'x-forwarded-proto': (trusted && first(o.incoming['x-forwarded-proto'])) || (o.encrypted ? 'https' : 'http'),
    'x-forwarded-host': (trusted && first(o.incoming['x-forwarded-host'])) || first(o.incoming.host) || '',
  };
}

/**
 * The upstream's answer headers for the client: hop-by-hop ones dropped (Node frames the body itself), the
 * API's response rules applied, then the gateway's headers (request id, CORS, limits, deprecation); a `Vary`
 * the upstream sent is kept and extended rather than replaced.
 */
export function clientResponseHeaders(upstream: Record<string, string | string[] | undefined>, rules: HeaderRules, gateway: Record<string, string>): HeaderMap {
  const listed = connectionListed(upstream.connection);
  const out: HeaderMap = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined || hopByHop.has(name)) continue;
    out[name] = value;
  }
  for (const name of listed) delete out[name];
  applyRules(out, rules);
  for (const name in gateway) {
    const theirs = out[name];
    if (name === 'vary' && theirs) out.vary = `${Array.isArray(theirs) ? theirs.join(', ') : theirs}, ${gateway.vary}`;
    else out[name] = gateway[name]!;
  }
  return out;
}

/** A request header from a `HeaderMap`-shaped record (Node's), joined the way Node joins repeats. */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Whether a request carries a body (RFC 9112 §6.3: a length or a transfer coding says so). */
export function hasRequestBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding']) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/** A cookie's value from a `Cookie` header (the pin and the hash balancer read them). */
export function cookieOf(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}
