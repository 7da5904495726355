/**
 * Envoy's `x-forwarded-client-cert` (XFCC), for workload identities (ADR 0033). The value is a `,`-separated
 * list of elements, each a `;`-separated list of `Key=Value` pairs (By, Hash, Cert, Chain, Subject, URI, DNS;
 * keys case-insensitive). A value may be double-quoted, and then `,` `;` `=` inside it are literal and `\"` is
 * a quote. With APPEND_FORWARD each proxy appends the element for the client it saw, so the last element is the
 * one the proxy nearest the gateway wrote: the only one the gateway can believe (the earlier ones are that
 * proxy's downstream's word).
 */

export const xfccHeader = 'x-forwarded-client-cert';

export type XfccPair = readonly [key: string, value: string];
export type XfccElement = readonly XfccPair[];

/** Why a value cannot be read, for the 401 (a trusted proxy sent it, so the operator needs to know). */
export class XfccSyntaxError extends Error {}

/**
 * Every element of the header, in order, each pair with its key in lower case and its value unquoted. Throws
 * an `XfccSyntaxError` on an unterminated quote or a pair without `=`.
 */
export function parseXfcc(header: string): XfccElement[] {
  const elements: XfccElement[] = [];
  let pairs: XfccPair[] = [];
  let i = 0;
  const n = header.length;
  for (;;) {
    // One pair: `key=value` or `key="quoted value"`, surrounded by optional spaces (Node joins repeated headers with ", ").
    while (i < n && header[i] === ' ') i++;
    const eq = header.indexOf('=', i);
    const stop = nextSeparator(header, i);
    if (eq < 0 || eq > stop) {
      const text = header.slice(i, stop).trim();
      // An empty element (a stray comma, or an empty header) carries nothing; text without `=` is no pair.
      if (text !== '') throw new XfccSyntaxError(`"${shorten(text)}" is not a Key=Value pair`);
      i = stop;
    } else {
      const key = header.slice(i, eq).trim().toLowerCase();
      let value: string;
      i = eq + 1;
      if (header[i] === '"') {
        let out = '';
        i++;
        for (;;) {
          if (i >= n) throw new XfccSyntaxError(`the quoted value of ${key} is not closed`);
          const ch = header[i]!;
          if (ch === '\\' && header[i + 1] === '"') {
            out += '"';
            i += 2;
          } else if (ch === '"') {
            i++;
            break;
          } else {
            out += ch;
            i++;
          }
        }
        value = out;
        while (i < n && header[i] === ' ') i++;
        if (i < n && header[i] !== ',' && header[i] !== ';') throw new XfccSyntaxError(`text follows the quoted value of ${key}`);
      } else {
        const end = nextSeparator(header, i);
        value = header.slice(i, end).trim();
        i = end;
      }
      pairs.push([key, value]);
    }
    if (i >= n) break;
    if (header[i] === ',') {
      if (pairs.length) elements.push(pairs);
      pairs = [];
    }
    i++;
  }
  if (pairs.length) elements.push(pairs);
  return elements;
}

/** The first `,` or `;` from `from` (or the end): unquoted text holds neither. */
function nextSeparator(s: string, from: number): number {
  for (let i = from; i < s.length; i++) if (s[i] === ',' || s[i] === ';') return i;
  return s.length;
}

const shorten = (s: string) => (s.length > 60 ? `${s.slice(0, 57)}...` : s);

/**
 * The SPIFFE ID of the caller the nearest proxy verified: the first `URI=spiffe://…` of the last element, or
 * null when that element names none (a certificate without a SPIFFE URI SAN, or a header with no element).
 */
export function xfccSpiffeId(header: string): string | null {
  const last = parseXfcc(header).at(-1);
  if (!last) return null;
  for (const [key, value] of last) if (key === 'uri' && value.startsWith('spiffe://')) return value;
  return null;
}
