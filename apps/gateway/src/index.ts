export { createGatewayApp, type GatewayDeps } from './app';
export { SnapshotHolder, type SnapshotSource } from './snapshot/snapshot-source';
export { indexSnapshot, type GatewayConfig } from './snapshot/gateway-config';
export { createPortalSnapshotClient } from './snapshot/portal-snapshot-client';
export { subscribeToRevisions } from './snapshot/revision-subscriber';
export { CallMeter, RejectedBatchError, type CallRecordSink } from './meter/call-meter';
export { createPortalCallRecordSink } from './meter/portal-call-record-sink';
export { createGatewayRuntime } from './runtime';
export { startHttpServer, type HttpServer, type ServerBindings } from './http/server';
