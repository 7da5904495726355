import type { MiddlewareHandler } from 'hono';
import type { PortalEnv } from '../context';
import { ApiError } from './errors';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for the cookie session (ADR 0021): a state-changing call made by a browser must come from a
 * page of this origin. The session cookie is already `SameSite=Strict`; this also stops a same-site sibling
 * (another app on a subdomain) and an old browser. Browsers say where a request comes from (`Sec-Fetch-Site`,
 * `Origin`); clients that are not browsers (curl, SDKs) send neither and are not at risk, so they pass.
 */
export const sameOriginWrites: MiddlewareHandler<PortalEnv> = async (c, next) => {
  if (safeMethods.has(c.req.method)) return next();
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ApiError(403, 'cross_origin_request', `Refused a ${site} ${c.req.method}: the portal takes changes only from its own pages.`);
  }
  const origin = c.req.header('origin');
  if (origin !== undefined) {
    const host = c.req.header('x-forwarded-host')?.split(',')[0]?.trim() ?? c.req.header('host');
    let originHost: string | null = null;
    try {
      originHost = origin === 'null' ? null : new URL(origin).host;
    } catch {
      originHost = null;
    }
    if (!originHost || originHost !== host) {
      throw new ApiError(403, 'cross_origin_request', `Refused a ${c.req.method} from origin ${origin}: the portal takes changes only from its own pages.`);
    }
  }
  await next();
};
