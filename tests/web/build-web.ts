import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Vitest global setup: the browser tests drive the built web app the portal serves, so build it when its
 * sources are newer than the build (a fresh clone without install.sh, or an edit since). Once per test run.
 */
const web = path.resolve(import.meta.dirname, '../../apps/web');
const built = path.join(web, 'dist/index.html');

function newest(at: string): number {
  const stat = statSync(at);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(at).map((name) => newest(path.join(at, name))));
}

export function webBuildIsStale(): boolean {
  if (!existsSync(built)) return true;
  const sources = Math.max(newest(path.join(web, 'src')), newest(path.join(web, 'index.html')), newest(path.join(web, 'vite.config.ts')));
  return sources > statSync(built).mtimeMs;
}

/**
 * Builds into a folder of its own, then swaps it in: a portal starting meanwhile (another test run) reads the
 * old build or the new one, never a half-written one.
 */
export default function setup(): void {
  if (!webBuildIsStale()) return;
  const fresh = path.join(web, `dist.build-${process.pid}`);
  const old = path.join(web, `dist.old-${process.pid}`);
  execFileSync('npx', ['vite', 'build', '--outDir', fresh, '--emptyOutDir', '--logLevel', 'warn'], { cwd: web, stdio: 'inherit' });
  if (existsSync(path.join(web, 'dist'))) renameSync(path.join(web, 'dist'), old);
  renameSync(fresh, path.join(web, 'dist'));
  rmSync(old, { recursive: true, force: true });
}
