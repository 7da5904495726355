export * from './ids';
export * from './states';
export * from './usage';
export * from './snapshot';
export * from './rest';
export * from './call-record';
export * from './redact-rules';
export * from './json-depth';
