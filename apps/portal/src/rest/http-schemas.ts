import { z } from 'zod';

/**
 * The HTTP words REST settings are made of (header names and values, hosts, origins, node URLs), checked one
 * way wherever they appear. Header names and hosts are stored lowercase: HTTP compares them without case, and
 * the gateway compares the snapshot's strings as they are.
 */

const tokenPattern = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

/** Hop by hop (RFC 9110 §7.6.1) or framing: the gateway owns them, a rule or credential must not set them. */
const gatewayOwnedHeaders = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate', 'proxy-authorization', 'content-length', 'host']);

export const headerNameSchema = z
  .string()
  .regex(tokenPattern, 'not an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)')
  .transform((name) => name.toLowerCase());

/**
 * A header the gateway may add to the upstream call: not one it manages itself (hop-by-hop, framing, `Host`,
 * which `hostHeader` sets), and not `x-tollgate-*`, which carries the caller's identity and must not be forged.
 */
export const upstreamHeaderNameSchema = headerNameSchema.superRefine((name, ctx) => {
  if (gatewayOwnedHeaders.has(name)) ctx.addIssue({ code: 'custom', message: `${name} is managed by the gateway${name === 'host' ? ' (use hostHeader on the upstream)' : ''}` });
  else if (name.startsWith('x-tollgate-')) ctx.addIssue({ code: 'custom', message: 'x-tollgate-* headers carry the caller’s identity and are set by the gateway only' });
});

/** A header the gateway may add to the answer to the client. */
export const responseHeaderNameSchema = headerNameSchema.refine((name) => !gatewayOwnedHeaders.has(name), 'managed by the gateway');

/** No CR, LF or NUL: a header value that could end the header line would let a value inject headers. */
export const headerValueSchema = z.string().max(4096).regex(/^[\t\x20-\x7e\x80-\uffff]*$/, 'a header value cannot hold line breaks or control characters');

export const queryNameSchema = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'use letters, digits and . _ ~ -');
export const queryValueSchema = z.string().max(1024);

const hostLabel = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const hostPattern = new RegExp(`^(?:\\*\\.)?${hostLabel}(?:\\.${hostLabel})*$`);
const hostPatternWithDot = new RegExp(`^\\*\\.${hostLabel}(?:\\.${hostLabel})+$`);

/** `api.example.com`, or `*.example.com` for every subdomain of it; no port, scheme or path. */
export const hostSchema = z
  .string()
  .max(253)
  .transform((h) => h.toLowerCase())
  .refine((h) => hostPattern.test(h) && (!h.startsWith('*.') || hostPatternWithDot.test(h)), 'a hostname (api.example.com) or a subdomain wildcard (*.example.com), with no port, scheme or path');

export const hostsSchema = z
  .array(hostSchema)
  .max(20)
  .superRefine((hosts, ctx) => {
    const seen = new Set<string>();
    hosts.forEach((h, i) => {
      if (seen.has(h)) ctx.addIssue({ code: 'custom', path: [i], message: `${h} is listed twice` });
      seen.add(h);
    });
  });

/** `host` or `host:port`, as sent in a `Host` header. */
export const hostHeaderSchema = z
  .string()
  .max(260)
  .transform((h) => h.toLowerCase())
  .refine((h) => {
    const [name, port, ...rest] = h.split(':');
    return rest.length === 0 && !name!.startsWith('*') && hostPattern.test(name!) && (port === undefined || (/^\d{1,5}$/.test(port) && Number(port) <= 65535));
  }, 'a host name, optionally with :port');

/**
 * An upstream node: an http(s) origin with an optional base path. Credentials belong in the upstream's sealed
 * `credential`, never in a URL that is shown and logged; a query or fragment would be lost when paths are joined.
 */
export function nodeUrlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'use an http or https URL';
  if (url.username || url.password) return 'credentials cannot be in the URL; set the upstream’s credential instead';
  if (url.search || url.hash || text.includes('?') || text.includes('#')) return 'a node URL takes no query or fragment';
  return null;
}

/** The URL without a trailing slash, so the gateway can append the call's path to it as it is. */
export const normalizeNodeUrl = (text: string) => {
  const url = new URL(text);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
};

export const nodeUrlSchema = z
  .string()
  .max(2048)
  .superRefine((text, ctx) => {
    const problem = nodeUrlProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .transform(normalizeNodeUrl);

/** An absolute http(s) URL (a JWKS endpoint): no credentials in it. */
export const httpUrlSchema = z
  .string()
  .max(2048)
  .superRefine((text, ctx) => {
    let url: URL | null = null;
    try {
      url = new URL(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not an absolute URL' });
      return;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: 'use an http or https URL' });
    else if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'credentials cannot be in the URL' });
  });

/** `https://app.example.com`, `http://localhost:3000`, `https://*.example.com`, or `*` (any origin). */
export const originSchema = z
  .string()
  .max(300)
  .transform((o) => o.toLowerCase())
  .refine((o) => {
    if (o === '*') return true;
    const match = /^(https?):\/\/(.+?)(?::(\d{1,5}))?$/.exec(o);
    if (!match) return false;
    const host = match[2]!;
    return hostPattern.test(host) && (!host.startsWith('*.') || hostPatternWithDot.test(host));
  }, 'an origin (https://app.example.com, with a port if not the default), a subdomain wildcard (https://*.example.com) or *');

/** A record of HTTP words: at most `max` entries, names checked and normalised by `name`. */
export const wordRecord = (name: z.ZodType<string, string>, value: z.ZodType<string, string>, max = 20) =>
  z
    .record(z.string(), value)
    .superRefine((record, ctx) => {
      const keys = Object.keys(record);
      if (keys.length > max) ctx.addIssue({ code: 'custom', message: `at most ${max} entries` });
      const seen = new Set<string>();
      for (const key of keys) {
        const parsed = name.safeParse(key);
        if (!parsed.success) ctx.addIssue({ code: 'custom', path: [key], message: parsed.error.issues[0]!.message });
        else if (seen.has(parsed.data)) ctx.addIssue({ code: 'custom', path: [key], message: `given twice (names are compared without case)` });
        else seen.add(parsed.data);
      }
    })
    .transform((record) => Object.fromEntries(Object.entries(record).map(([k, v]) => [name.parse(k), v])));
