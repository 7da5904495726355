import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { PortalEnv } from '../context';

/** The built web app (`npm run build:web` → apps/web/dist), unless TOLLGATE_WEB_DIR names another folder. */
// Beside the sources (apps/portal/src/web), or from the production build's dist/ at the repository root.
const webDirs = ['../../../web/dist', '../apps/web/dist'].map((dir) => path.resolve(import.meta.dirname, dir));
export const defaultWebDir = webDirs.find((dir) => existsSync(dir)) ?? webDirs[0]!;

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The web app's pages may load only what the portal itself serves: its scripts, its styles (inline style
 * attributes too, which the chart and the API reference set), images and fonts it ships, and `/api` calls.
 * No framing, no plugins, no form posting elsewhere.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface File {
  body: Uint8Array<ArrayBuffer>;
  type: string;
  etag: string;
}

function readTree(dir: string): Map<string, File> {
  const files = new Map<string, File>();
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const full = path.join(at, name);
      if (statSync(full).isDirectory()) walk(full);
      else {
        const body = new Uint8Array(readFileSync(full));
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
        files.set(`/${path.relative(dir, full).split(path.sep).join('/')}`, { body, type: types[path.extname(name)] ?? 'application/octet-stream', etag });
      }
    }
  };
  walk(dir);
  return files;
}

/**
 * Serves the web app beside `/api`, same origin: files under `/assets/` (content-hashed names) with a year's
 * cache, and `index.html` for every other GET that asks for HTML (the app routes in the browser), revalidated
 * each time so a new build shows at once. The files are read once, at start. Without a build, a page says how
 * to make one.
 */
export function webSite(dir: string): MiddlewareHandler<PortalEnv> {
  const files = existsSync(path.join(dir, 'index.html')) ? readTree(dir) : null;
  const html = (c: Parameters<MiddlewareHandler<PortalEnv>>[0], file: File) => {
    if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, { etag: file.etag });
    return c.body(file.body, 200, {
      'content-type': file.type,
      'cache-control': 'no-cache',
      etag: file.etag,
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    });
  };
  return async (c, next) => {
    if ((c.req.method !== 'GET' && c.req.method !== 'HEAD') || c.req.path.startsWith('/api/') || c.req.path === '/api' || c.req.path === '/healthz') return next();
    if (!files) {
      if (!(c.req.header('accept') ?? '').includes('text/html')) return next();
      return c.text(`The web app is not built. Run \`npm run build:web\` (install.sh does) and restart the portal.\nLooked in ${dir}.\n`, 503);
    }
    const file = files.get(c.req.path);
    if (file && c.req.path !== '/index.html') {
      if (c.req.header('if-none-match') === file.etag) return c.body(null, 304, { etag: file.etag });
      const immutable = c.req.path.startsWith('/assets/');
      return c.body(file.body, 200, {
        'content-type': file.type,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag: file.etag,
        'x-content-type-options': 'nosniff',
      });
    }
    // A missing asset is a 404, not the app: a stale page asking for an old chunk must fail visibly.
    if (c.req.path.startsWith('/assets/')) return next();
    if (!(c.req.header('accept') ?? '').includes('text/html') && c.req.path !== '/') return next();
    return html(c, files.get('/index.html')!);
  };
}
