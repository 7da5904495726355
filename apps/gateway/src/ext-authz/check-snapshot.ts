import type { PromptSpecJson } from '@tollgate/domain';
import { restSnapshot, type RestSnapshotOptions } from '../testing/rest-snapshot';

const prompt: PromptSpecJson = {
  messages: [{ role: 'user', content: 'Say {{text}}' }],
  variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  model: 'gpt-4o-mini',
};

/**
 * The snapshot both ext_authz flavours' tests check against: the `pets` REST service on host
 * pets.example.org with `GET|POST /items` on `nodeUrl`, a generous plan, and a prompt API at `/say`.
 */
export const checkSnapshot = (nodeUrl: string, o: Partial<RestSnapshotOptions> = {}) =>
  restSnapshot({
    upstreams: [{ name: 'default', nodes: [{ url: nodeUrl, weight: 1 }] }],
    apis: [{ path: '/items', methods: ['GET', 'POST'] }],
    hosts: ['pets.example.org'],
    planLimits: { requestsPerMinute: 1_000 },
    ai: { prompts: [{ path: '/say', spec: prompt }] },
    ...o,
  });
