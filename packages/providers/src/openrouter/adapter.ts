import type { ProviderTarget } from '../adapter';
import { bearerAuth, chatCompletionsUrl, openAiCompatibleAdapter } from '../openai-compatible/family';

/**
 * OpenRouter's optional app attribution headers, from the provider's settings `siteUrl` and `appName`
 * (shown on openrouter.ai rankings); never required.
 */
function attribution(target: ProviderTarget): Record<string, string> {
  const headers: Record<string, string> = {};
  if (target.settings.siteUrl) headers['http-referer'] = target.settings.siteUrl;
  if (target.settings.appName) headers['x-title'] = target.settings.appName;
  return headers;
}

/**
 * OpenRouter (`https://openrouter.ai/api/v1`), a router whose models are `vendor/model`. It ignores parameters
 * the chosen upstream cannot take, so nothing is dropped. Its usage adds a `cost` in credits, which is not
 * used: calls are priced from the platform's own table (OpenAI models through their bare names, others in
 * `openRouterPrices`) so that price overrides and budgets work as for every other provider.
 */
export const openRouterAdapter = openAiCompatibleAdapter({
  url: chatCompletionsUrl,
  auth: (target) => ({ ...bearerAuth(target), ...attribution(target) }),
  dropParams: [],
  streamUsage: 'ask',
});
