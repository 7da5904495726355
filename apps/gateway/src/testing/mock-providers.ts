import type { ProviderType } from '@tollgate/domain';
import { startMockAnthropic, startMockBedrock, startMockGemini, startMockOpenAi, type RecordedRequest } from '@tollgate/providers';
import { startTestGateway } from './gateway-harness';
import { testSnapshot } from './test-snapshot';

/** A provider type as the gateway tests meet it: its mock server, the key it takes, and a model it prices. */
export interface MockProvider {
  type: ProviderType;
  model: string;
  key: string;
  settings?: Record<string, string>;
  start: () => Promise<{ url: string; requests: RecordedRequest[]; close: () => Promise<void> }>;
}

/** One of each translation the gateway does: OpenAI's own format, Anthropic Messages, Gemini, Bedrock Converse. */
export const mockProviders: readonly MockProvider[] = [
  { type: 'openai', model: 'gpt-4o-mini', key: 'sk-o', start: () => startMockOpenAi({ apiKey: 'sk-o' }) },
  { type: 'anthropic', model: 'claude-sonnet-4-5', key: 'sk-a', start: () => startMockAnthropic({ apiKey: 'sk-a' }) },
  { type: 'gemini', model: 'gemini-2.5-flash', key: 'AIza-g', start: () => startMockGemini({ apiKey: 'AIza-g' }) },
  {
    type: 'bedrock',
    model: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
    key: 'AKID:SECRET',
    settings: { region: 'us-east-1' },
    start: () => startMockBedrock({ accessKeyId: 'AKID', secretAccessKey: 'SECRET', region: 'us-east-1' }),
  },
];

export const mockProvider = (type: ProviderType): MockProvider => mockProviders.find((p) => p.type === type)!;

/**
 * The provider's mock with a test gateway in front of it, serving the public model `gpt-4o-mini` from
 * `upstreamModel` (a mock's switch model, e.g. `mock-stream-error`, makes it fail); both are closed by `closers`.
 */
export async function mockBehindGateway(p: MockProvider, closers: Array<() => Promise<void>>, upstreamModel = p.model) {
  const mock = await p.start();
  const gateway = await startTestGateway(testSnapshot({ providerUrl: mock.url, providerKey: p.key, providerType: p.type, providerSettings: p.settings, upstreamModel }));
  closers.push(mock.close, gateway.close);
  return { mock, gateway };
}
