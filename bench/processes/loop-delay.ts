import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Event-loop delay and CPU time of a bench process, asked for over the IPC channel bench/run.ts opens:
 * `loop:reset` before a measured run, `loop:read` after it, answered with the delay's p50, p99 and max in
 * milliseconds and the CPU time (user + system) the process used since the reset, in microseconds. CPU time per
 * request is the figure the noisy 2-core machine disturbs least: throughput moves with the other processes'
 * load, the work each request costs much less.
 */
export function reportLoopDelay(): void {
  if (!process.send) return;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let since = process.cpuUsage();
  process.on('message', (message) => {
    if (message === 'loop:reset') {
      delay.reset();
      since = process.cpuUsage();
    }
    if (message === 'loop:read') {
      const cpu = process.cpuUsage(since);
      process.send!({ p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6, max: delay.max / 1e6, cpuMicros: cpu.user + cpu.system });
    }
  });
  // The channel must not keep a process alive that is asked to stop.
  process.channel?.unref();
}
