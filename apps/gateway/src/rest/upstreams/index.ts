export type { MirrorOutcome, NodeLease, NodeOutcome, RequestFacts, RestUpstreams, RestUpstreamStats } from './contract';
export { createRestUpstreams, RestUpstreamsRuntime, type NodeView, type RestUpstreamsOptions, type UpstreamsLogger } from './rest-upstreams';
