export { createGatewayApp, type GatewayDeps } from './app';
export { SnapshotHolder, type SnapshotSource } from './snapshot/snapshot-source';
export { indexSnapshot, type GatewayConfig } from './snapshot/gateway-config';
export { createPortalSnapshotClient } from './snapshot/portal-snapshot-client';
export { CallMeter, type CallRecordSink } from './meter/call-meter';
export { createPortalCallRecordSink } from './meter/portal-call-record-sink';
export { MemoryLimiter } from './limiter/memory-limiter';
export type { Limiter, LimitRule, LimitDecision } from './limiter/limiter';
export { createGatewayRuntime } from './runtime';
