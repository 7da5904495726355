import { AZURE_DEFAULT_API_VERSION, chatAdapters, type ChatCall, type ProviderTarget, type UpstreamRequest } from '@tollgate/providers';
import type { ProviderType } from '@tollgate/domain';

/** One probe's outcome, as the admin's "Test connection" button shows it. */
export interface ConnectionResult {
  ok: boolean;
  /** The provider's HTTP status; null when no answer came (unreachable, timed out, misconfigured). */
  status: number | null;
  latencyMs: number;
  message: string;
}

export interface ProbedProvider {
  type: ProviderType;
  baseUrl: string;
  settings: Record<string, string>;
}

const probeTimeoutMs = 10_000;

/** A one-token chat call in the unified format: the smallest call every adapter can make. */
function tinyChat(model: string): ChatCall {
  const request = { model, messages: [{ role: 'user', content: 'ping' }], max_tokens: 1, stream: false };
  return { request, rawBody: JSON.stringify(request), clientWantsUsage: false };
}

/**
 * The models listing where the provider has one (every type but Bedrock, whose listing lives on another
 * service): it costs nothing and still proves the URL and the key. The credential headers come from the
 * type's own chat adapter, so the probe authenticates exactly as the gateway will.
 */
async function listingRequest(provider: ProbedProvider, target: ProviderTarget): Promise<UpstreamRequest | null> {
  if (provider.type === 'bedrock') return null;
  const chat = await chatAdapters[provider.type].buildChatRequest(tinyChat('connection-test'), target);
  const { 'content-type': _type, accept: _accept, ...auth } = chat.headers;
  let url = `${target.baseUrl}/models`;
  if (provider.type === 'azure-openai') {
    const endpoint = target.baseUrl.replace(/\/openai$/, '');
    const version = target.settings.apiVersion ?? AZURE_DEFAULT_API_VERSION;
    url = version === 'v1' ? `${endpoint}/openai/v1/models` : `${endpoint}/openai/models?api-version=${encodeURIComponent(version)}`;
  }
  return { url, headers: { ...auth, accept: 'application/json' }, body: '' };
}

const countModels = (text: string): number | null => {
  try {
    const parsed = JSON.parse(text) as { data?: unknown; models?: unknown };
    const list = Array.isArray(parsed.data) ? parsed.data : Array.isArray(parsed.models) ? parsed.models : null;
    return list ? list.length : null;
  } catch {
    return null;
  }
};

function unreachable(err: unknown, url: string): string {
  const origin = URL.canParse(url) ? new URL(url).origin : url;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `No answer from ${origin} within ${probeTimeoutMs / 1000} s.`;
  const cause = err instanceof Error ? ((err.cause as { code?: string; message?: string } | undefined) ?? err) : undefined;
  const why = (cause as { code?: string } | undefined)?.code ?? cause?.message ?? String(err);
  return `Could not reach ${origin}: ${why}.`;
}

/**
 * One cheap real call to the provider with one key: the models listing, or a one-token completion of `model`
 * when one is named (Bedrock needs one). The key appears in no answer: it is cut out of the provider's message
 * too, in case a provider echoes what it was sent.
 */
export async function probeProvider(provider: ProbedProvider, apiKey: string, model?: string): Promise<ConnectionResult> {
  const target: ProviderTarget = { baseUrl: provider.baseUrl, apiKey, model: model ?? 'connection-test', settings: provider.settings };
  const adapter = chatAdapters[provider.type];
  const scrub = (text: string) => (apiKey ? text.split(apiKey).join('[key]') : text);
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let request: UpstreamRequest | null;
  try {
    request = model ? await adapter.buildChatRequest(tinyChat(model), target) : await listingRequest(provider, target);
  } catch (err) {
    // A ProviderConfigError (a malformed Bedrock key, a missing region): the configuration cannot make a call.
    return { ok: false, status: null, latencyMs: 0, message: scrub(`The provider's settings cannot make a call: ${(err as Error).message}`) };
  }
  if (!request) return { ok: false, status: null, latencyMs: 0, message: `A ${provider.type} provider has no models listing: name a model to test it with.` };
  let res: Response;
  try {
    res = await fetch(request.url, {
      method: model ? 'POST' : 'GET',
      headers: request.headers,
      body: model ? request.body : undefined,
      redirect: 'manual',
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
  } catch (err) {
    return { ok: false, status: null, latencyMs: elapsed(), message: scrub(unreachable(err, request.url)) };
  }
  const text = await res.text().catch(() => '');
  const latencyMs = elapsed();
  if (res.ok) {
    const count = model ? null : countModels(text);
    const message = model ? `Connected: ${model} answered.` : count === null ? 'Connected: the provider answered.' : `Connected: the provider lists ${count} model${count === 1 ? '' : 's'}.`;
    return { ok: true, status: res.status, latencyMs, message };
  }
  const translated = adapter.translateError(res.status, Buffer.from(text));
  const said = translated.body.error.message || `HTTP ${res.status}`;
  return { ok: false, status: res.status, latencyMs, message: scrub(`The provider answered ${res.status}: ${said}`) };
}

/**
 * One probe per key of the pool, answered as the first failure (or the first success) plus each key's own
 * result, so one bad key in a pool is found. Keys are named by position and weight only.
 */
export async function testConnection(keys: ReadonlyArray<{ key: string; weight: number }>, provider: ProbedProvider, model?: string) {
  const results: Array<ConnectionResult & { weight: number }> = [];
  for (const { key, weight } of keys) results.push({ weight, ...(await probeProvider(provider, key, model)) });
  const { weight: _weight, ...summary } = results.find((r) => !r.ok) ?? results[0]!;
  return { ...summary, keys: results };
}
