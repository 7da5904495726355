export { createPortalApp } from './app';
export type { PortalDeps, PortalSettings } from './context';
export { parsePortalConfig, type PortalConfig } from './config';
export { createPortalRuntime, announceFirstAdmin, loadMasterKey, type PortalRuntime } from './runtime';
export { createCallRecordWriter, insertCallRecords } from './call-records/store';
export { compileSnapshot } from './snapshot/compile';
export { createSnapshotPublisher, type SnapshotPublisher } from './snapshot/publisher';
export { createSecretBox } from './secrets/secret-box';
export type { PromptRunner, PromptRunRequest } from './prompts/test-run';
