import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay of a bench process, asked for over the IPC channel bench/run.ts opens: `loop:reset` before
 * a measured run, `loop:read` after it, answered with p50, p99 and max in milliseconds.
 */
export function reportLoopDelay(): void {
  if (!process.send) return;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('message', (message) => {
    if (message === 'loop:reset') delay.reset();
    if (message === 'loop:read') process.send!({ p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
  });
  // The channel must not keep a process alive that is asked to stop.
  process.channel?.unref();
}
