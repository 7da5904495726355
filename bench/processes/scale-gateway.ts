import { pino } from 'pino';
import { SnapshotHolder } from '@tollgate/gateway';
import { parseGatewayConfig } from '@tollgate/gateway/config';
import { parsePortalConfig } from '@tollgate/portal';
import { startAllInOne } from '@tollgate/all-in-one';
import { PerformanceObserver } from 'node:perf_hooks';
import { reportLoopDelay } from './loop-delay';

/**
 * The scale bench's all-in-one process on a data directory bench/scale.ts seeded (scale-seed.ts): portal and
 * gateway on one event loop, as shipped. Prints `READY <gateway port> <portal port> <admin email> <admin
 * password> <start ms>`: the bench signs in as that admin to revoke a key the way a person would, and the start
 * time includes the first snapshot compile. The parent removes the directory.
 */
const dataDir = process.argv[2]!;
const started = performance.now();
const env = { TOLLGATE_DATA_DIR: dataDir, TOLLGATE_PORTAL_PORT: '0', TOLLGATE_GATEWAY_PORT: '0', TOLLGATE_LOG_LEVEL: 'silent' };
// The wide event per call is written as in production (info), to /dev/null, so its cost is in the figures.
const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
// Times each install (indexSnapshot) in place, to tell it from the compile in a single change's time.
let lastInstallMs = 0;
const install = SnapshotHolder.prototype.install;
SnapshotHolder.prototype.install = function (this: SnapshotHolder, ...args: Parameters<typeof install>) {
  const started = performance.now();
  try {
    return install.apply(this, args);
  } finally {
    lastInstallMs = performance.now() - started;
  }
};
const platform = await startAllInOne(parsePortalConfig(env), parseGatewayConfig(env), logger);
const admin = platform.portal.firstAdmin;
if (!admin) throw new Error('the seeded database already had an admin: seed a fresh directory');
reportLoopDelay();
reportSnapshotTimings();
const ports = [platform.gatewayUrl, platform.portalUrl].map((u) => new URL(u).port);
process.stdout.write(`READY ${ports.join(' ')} ${admin.email} ${admin.password} ${(performance.now() - started).toFixed(0)}\n`);
process.on('SIGTERM', () => void platform.close().then(() => process.exit(0)));

/**
 * Where a single change's time goes, asked for over IPC: `scale:mark` just before the bench's write, then
 * `scale:read` answers when the next snapshot reached the publisher's listeners (compiled, and installed by
 * the gateway, whose listener runs first) and how long garbage collection paused the process until then
 * (`gcMs`) and since the mark (`gcTotalMs`, a load run's GC share; `gcMaxMs`, its longest pause).
 */
function reportSnapshotTimings(): void {
  if (!process.send) return;
  let markedAt = 0;
  let deliveredAt = 0;
  let gcMs = 0;
  let gcTotalMs = 0;
  let gcMaxMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.startTime < markedAt) continue;
      gcTotalMs += entry.duration;
      gcMaxMs = Math.max(gcMaxMs, entry.duration);
      if (!deliveredAt || entry.startTime < deliveredAt) gcMs += entry.duration;
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  platform.portal.publisher.subscribe(() => {
    if (markedAt && !deliveredAt) deliveredAt = performance.now();
  });
  process.on('message', (message) => {
    if (message === 'scale:mark') [markedAt, deliveredAt, gcMs, gcTotalMs, gcMaxMs] = [performance.now(), 0, 0, 0, 0];
    if (message === 'scale:read') process.send!({ deliveredMs: deliveredAt ? deliveredAt - markedAt : null, installMs: lastInstallMs, gcMs, gcTotalMs, gcMaxMs });
  });
}
