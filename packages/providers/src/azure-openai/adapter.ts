import type { ProviderTarget } from '../adapter';
import { openAiCompatibleAdapter } from '../openai-compatible/family';

/**
 * The data-plane API version used when the provider sets none: the latest GA version at the time of writing,
 * and the first GA one that accepts `stream_options` — older versions refuse it, and streamed calls would
 * then go unmetered. Set `settings.apiVersion` to pin another.
 */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/**
 * The deployment-scoped URL Azure OpenAI serves chat on. The target's model is the deployment name (Azure picks
 * the model from the deployment, not from the body). `apiVersion: 'v1'` selects Azure's newer `/openai/v1` API,
 * which takes no version and reads the deployment from the body's `model`.
 */
export function azureChatUrl(target: ProviderTarget): string {
  // Admins paste the endpoint with or without the `/openai` path the portal shows beside it.
  const endpoint = target.baseUrl.replace(/\/openai$/, '');
  const version = target.settings.apiVersion ?? AZURE_DEFAULT_API_VERSION;
  if (version === 'v1') return `${endpoint}/openai/v1/chat/completions`;
  return `${endpoint}/openai/deployments/${encodeURIComponent(target.model)}/chat/completions?api-version=${encodeURIComponent(version)}`;
}

/**
 * Azure OpenAI: OpenAI's own models, so OpenAI's parameters, usage and error shapes — nothing is dropped. What
 * differs is the URL layout and the `api-key` header. Its streams open with a `prompt_filter_results` chunk
 * whose `model` is empty; the OpenAI stream translator takes the model from the next chunk. Prices come from
 * OpenAI's table through the model name Azure reports (`gpt-4o-mini-2024-07-18`), since deployment names are
 * the admin's own.
 */
export const azureOpenAiAdapter = openAiCompatibleAdapter({
  url: azureChatUrl,
  auth: (target) => ({ 'api-key': target.apiKey }),
  dropParams: [],
  streamUsage: 'ask',
});
