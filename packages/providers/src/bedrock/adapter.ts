import { ProviderConfigError, type ChatAdapter, type ProviderTarget, type UpstreamRequest } from '../adapter';
import { translateBedrockError } from './errors';
import { buildConverseBody } from './request';
import { translateConverseResponse } from './response';
import { parseAwsCredentials, signRequest } from './sigv4';
import { createBedrockStreamTranslator } from './stream';

/** The SigV4 service name of Bedrock Runtime (the host says `bedrock-runtime`, the signature says `bedrock`). */
export const BEDROCK_SIGNING_SERVICE = 'bedrock';

/** `settings.region` is required: it names the endpoint and is part of every signature. */
export function bedrockRegion(target: ProviderTarget): string {
  const region = target.settings.region;
  if (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ProviderConfigError("A bedrock provider needs the setting 'region' (an AWS region such as 'us-east-1').");
  }
  return region;
}

/** The default base URL of a region; a configured base URL (a VPC endpoint, a mock) replaces it. */
export const bedrockBaseUrl = (region: string): string => `https://bedrock-runtime.${region}.amazonaws.com`;

/**
 * Amazon Bedrock's Converse API (`POST {baseUrl}/model/{modelId}/converse`, `/converse-stream` when
 * streaming) behind the unified OpenAI Chat Completions format, signed with AWS SigV4.
 *
 * Provider configuration: `apiKey` is `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (or `…:SESSION_TOKEN` for temporary
 * credentials), `settings.region` the AWS region, `baseUrl` `https://bedrock-runtime.{region}.amazonaws.com`
 * (empty → that default). The model is a Bedrock model id or inference profile id
 * (`anthropic.claude-sonnet-4-5-20250929-v1:0`, `us.anthropic.claude-…`, `amazon.nova-pro-v1:0`).
 */
export const bedrockAdapter: ChatAdapter = {
  async buildChatRequest(call, target): Promise<UpstreamRequest> {
    const region = bedrockRegion(target);
    const base = (target.baseUrl || bedrockBaseUrl(region)).replace(/\/+$/, '');
    const url = `${base}/model/${encodeURIComponent(target.model)}/${call.request.stream ? 'converse-stream' : 'converse'}`;
    const body = JSON.stringify(buildConverseBody(call.request, target.model));
    const headers = await signRequest({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', accept: call.request.stream ? 'application/vnd.amazon.eventstream' : 'application/json' },
      body,
      region,
      service: BEDROCK_SIGNING_SERVICE,
      credentials: parseAwsCredentials(target.apiKey),
    });
    return { url, headers, body };
  },
  translateChatResponse: (body, _call, target) => translateConverseResponse(body, target.model),
  createChatStreamTranslator: (call, target) => createBedrockStreamTranslator(call, target.model),
  translateError: translateBedrockError,
};
