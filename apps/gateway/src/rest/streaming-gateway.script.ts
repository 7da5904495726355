/**
 * Run by streaming.e2e.test.ts in a child process (with --expose-gc), so the gateway's memory is measured
 * alone: a test gateway for the snapshot in argv[2] (JSON), which prints `READY <url>` and then answers on
 * stdin: `mark` (collect garbage, take the RSS as the baseline, reset the peak) → `MARKED`, and `peak` →
 * `PEAK <bytes>`, the highest RSS above the baseline since the mark, sampled every 20 ms.
 */
import { createInterface } from 'node:readline';
import type { SnapshotData } from '@tollgate/domain';
import { startTestGateway } from '../testing/gateway-harness';

const gateway = await startTestGateway(JSON.parse(process.argv[2]!) as SnapshotData);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
let baseline = process.memoryUsage.rss();
let peak = baseline;
// Each sample first collects garbage: chunks already relayed (each socket read allocates a fresh buffer) are
// freed only when V8 feels external-memory pressure, some 32-64 MB later, whatever the transfer's size. What a
// sample then sees is what the gateway holds, plus the allocator's slack: a buffered body would show up whole.
setInterval(() => {
  gc();
  const rss = process.memoryUsage.rss();
  if (rss > peak) peak = rss;
}, 20).unref();

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'mark') {
    gc();
    gc();
    baseline = process.memoryUsage.rss();
    peak = baseline;
    process.stdout.write('MARKED\n');
  } else if (line === 'peak') {
    process.stdout.write(`PEAK ${peak - baseline}\n`);
  }
});
lines.on('close', () => void gateway.close().then(() => process.exit(0)));
process.stdout.write(`READY ${gateway.url}\n`);
