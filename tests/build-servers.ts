import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Vitest global setup: `npm start`, the compose file and the Dockerfile run the servers' build in dist/
 * (scripts/build.mjs, under a second), so a test run builds it once first, from the sources under test.
 */
export default function setup(): void {
  execFileSync(process.execPath, [path.resolve(import.meta.dirname, '../scripts/build.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
}
