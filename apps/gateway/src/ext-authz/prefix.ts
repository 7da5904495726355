import { reservedSegments } from '../rest/route-table';

const prefixPattern = /^(\/[A-Za-z0-9._~-]+)+$/;

/** Why `prefix` cannot be the ext_authz path prefix, or null when it can (`/ext-authz`, `/mesh/check`). */
export function extAuthzPrefixProblem(prefix: string): string | null {
  if (prefix.length > 128 || !prefixPattern.test(prefix)) {
    return `"${prefix}" is not a path prefix like /ext-authz: start with /, use letters, digits and . _ ~ - in each segment, no trailing /`;
  }
  const first = prefix.slice(1).split('/')[0]!;
  // Those segments are the gateway's own (the AI API, probes, the scrape): a check must not shadow them.
  if (reservedSegments.has(first)) return `"${prefix}" starts with /${first}, which the gateway serves itself`;
  return null;
}

/**
 * The original request's path when `rawPath` is a check under `prefix` (Envoy prepends the prefix to the
 * client's path, query included), or null when it is not a check. Segment-wise: `/ext-authzx` is not one.
 */
export function checkedPath(prefix: string, rawPath: string): string | null {
  if (!rawPath.startsWith(prefix)) return null;
  if (rawPath.length === prefix.length) return '/';
  return rawPath.charCodeAt(prefix.length) === 47 /* / */ ? rawPath.slice(prefix.length) : null;
}
