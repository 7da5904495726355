/**
 * What lets the mock OpenAI server stand in for the OpenAI-compatible providers: their URL layouts (a path
 * prefix, Azure's deployments), Azure's `api-key` header, parameters a provider refuses, and the shapes in which
 * each reports usage. Kept apart from the server so its OpenAI behaviour stays as it was.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import { chatCompletionBody, chatStreamFrames, contentText, countWords, invalidRequest, randomId } from './mock-wire';
import type { ChatPlan, OpenAiErrorBody } from './mock-wire';

/**
 * - `openai`: OpenAI's own (a usage chunk only when `include_usage` is asked for).
 * - `deepseek`: `prompt_cache_hit_tokens` / `prompt_cache_miss_tokens` instead of `cached_tokens`. Like DeepSeek's
 *   disk cache, leading messages already seen in an earlier request are hits. Models named `…reason…` think:
 *   `reasoning_content` in the answer and the stream, 5 reasoning tokens inside `completion_tokens`.
 * - `final-chunk` (Mistral): usage on the last chunk of every stream, asked for or not.
 * - `x_groq` (Groq): usage also in `x_groq.usage` on the finish chunk of every stream.
 * - `xai`: models named `…reason…` or `…mini…` report 5 reasoning tokens beside `completion_tokens`, and
 *   `total_tokens` counts them.
 */
export type MockUsageStyle = 'openai' | 'deepseek' | 'final-chunk' | 'x_groq' | 'xai';

export interface MockCompatOptions {
  /** Where the API is served; default `/v1` (Groq serves `/openai/v1`, DeepSeek also ''). */
  pathPrefix?: string;
  /**
   * Serve Azure OpenAI's layout instead: `POST /openai/deployments/{name}/chat/completions?api-version=…`, each
   * deployment answering as the model it deploys (the body's `model` is ignored), streams opening with a
   * `prompt_filter_results` chunk. The mock's `url` is then the resource endpoint.
   */
  azureDeployments?: Record<string, string>;
  /** `bearer` (default) or Azure's `api-key` header. */
  authHeader?: 'bearer' | 'api-key';
  /** Top-level chat parameters answered with 400 naming the parameter whenever present, with any value. */
  rejectParams?: readonly string[];
  usageStyle?: MockUsageStyle;
}

export interface MockProblem {
  status: number;
  body: OpenAiErrorBody;
}

export type MockEndpoint =
  | { name: 'chat'; deploymentModel?: string }
  /** `deployments`: Azure's, the body's `model` naming the deployment. */
  | { name: 'responses'; deployments?: Readonly<Record<string, string>> }
  | { name: 'embeddings' }
  | { name: 'models' }
  | { name: 'model'; id: string }
  | MockProblem
  | null;

/** A chat plan with what the style adds: the usage in the provider's shape and any reasoning text. */
export interface StyledPlan extends ChatPlan {
  reasoningContent?: string;
}

type Json = Record<string, unknown>;
const azureError = (status: number, code: string, message: string): MockProblem => ({ status, body: { error: { code, message } } as unknown as OpenAiErrorBody });

/** Azure's answer to a deployment it does not have. */
export const deploymentNotFound = (): MockProblem =>
  azureError(404, 'DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.');

export function createMockCompat(o: MockCompatOptions) {
  const prefix = o.pathPrefix ?? '/v1';
  const style = o.usageStyle ?? 'openai';
  const azure = o.azureDeployments;
  // DeepSeek style: serialised message prefixes seen so far, to report cache hits the way a prefix cache would.
  const seenPrefixes = new Set<string>();

  function styledUsage(plan: ChatPlan, messages: readonly Json[]): StyledPlan {
    const thinks = (style === 'deepseek' && plan.model.includes('reason')) || (style === 'xai' && /reason|mini/.test(plan.model));
    const reasoning = thinks ? 5 : (plan.usage.completion_tokens_details?.reasoning_tokens ?? 0);
    const visible = plan.usage.completion_tokens - (plan.usage.completion_tokens_details?.reasoning_tokens ?? 0);
    const prompt = plan.usage.prompt_tokens;
    if (style === 'deepseek') {
      let hit = 0;
      let tokens = 0;
      // The last message is the new turn; the ones before it may be cached from an earlier request.
      for (let i = 0; i < messages.length - 1; i++) {
        tokens += countWords(contentText(messages[i]!.content)) + 3;
        if (seenPrefixes.has(JSON.stringify(messages.slice(0, i + 1)))) hit = tokens;
      }
      for (let i = 0; i < messages.length; i++) seenPrefixes.add(JSON.stringify(messages.slice(0, i + 1)));
      const usage = {
        prompt_tokens: prompt,
        completion_tokens: visible + reasoning,
        total_tokens: prompt + visible + reasoning,
        prompt_cache_hit_tokens: hit,
        prompt_cache_miss_tokens: prompt - hit,
        ...(reasoning > 0 ? { completion_tokens_details: { reasoning_tokens: reasoning } } : {}),
      };
      return { ...plan, usage, ...(thinks ? { reasoningContent: 'Thinking it over.' } : {}) };
    }
    if (style === 'xai') {
      const usage = {
        ...plan.usage,
        completion_tokens: visible,
        total_tokens: prompt + visible + reasoning,
        completion_tokens_details: { ...plan.usage.completion_tokens_details, reasoning_tokens: reasoning },
      };
      return { ...plan, usage };
    }
    return plan;
  }

  return {
    /** The mock's base URL for a client: the resource endpoint for Azure, else the origin and the prefix. */
    baseUrl: (origin: string): string => (azure ? origin : `${origin}${prefix}`),

    endpoint(method: string, path: string, query: string): MockEndpoint {
      if (azure) {
        // The Responses API is not deployment-scoped: v1 takes no version, the dated surface needs one.
        if (method === 'POST' && (path === '/openai/v1/responses' || (path === '/openai/responses' && new URLSearchParams(query).get('api-version')))) {
          return { name: 'responses', deployments: azure };
        }
        const m = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(path);
        if (!m || method !== 'POST') return azureError(404, '404', 'Resource not found');
        if (!new URLSearchParams(query).get('api-version')) return azureError(404, '404', 'Resource not found');
        const deploymentModel = azure[decodeURIComponent(m[1]!)];
        if (!deploymentModel) return deploymentNotFound();
        return { name: 'chat', deploymentModel };
      }
      if (!path.startsWith(`${prefix}/`)) return null;
      const rest = path.slice(prefix.length);
      if (method === 'POST' && rest === '/chat/completions') return { name: 'chat' };
      if (method === 'POST' && rest === '/embeddings') return { name: 'embeddings' };
      if (method === 'POST' && rest === '/responses') return { name: 'responses' };
      if (method === 'GET' && rest === '/models') return { name: 'models' };
      const one = /^\/models\/([^/]+)$/.exec(rest);
      return method === 'GET' && one ? { name: 'model', id: decodeURIComponent(one[1]!) } : null;
    },

    usesApiKeyHeader: o.authHeader === 'api-key',

    /** Azure's key check, answered in Azure's own words. */
    checkApiKeyHeader(headers: IncomingHttpHeaders, apiKey: string): MockProblem | null {
      if (headers['api-key'] === apiKey) return null;
      return azureError(
        401,
        '401',
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      );
    },

    rejected(body: Json): MockProblem | null {
      const param = (o.rejectParams ?? []).find((p) => Object.hasOwn(body, p));
      if (param === undefined) return null;
      return { status: 400, body: invalidRequest(`Unsupported parameter: '${param}' is not supported by this provider.`, param, 'unsupported_parameter') };
    },

    plan: styledUsage,

    completion(plan: StyledPlan): ChatCompletion {
      const completion = chatCompletionBody(plan);
      if (plan.reasoningContent) Object.assign(completion.choices[0]!.message, { reasoning_content: plan.reasoningContent });
      if (style === 'x_groq') Object.assign(completion, { x_groq: { id: randomId('req_', 26) } });
      return completion;
    },

    frames(plan: StyledPlan, includeUsage: boolean): string[] {
      const always = style === 'final-chunk';
      const frames = chatStreamFrames(plan, includeUsage && !always);
      const chunks = frames.slice(0, -1).map((f) => JSON.parse(f.slice('data: '.length)) as Json);
      const finish = chunks.findIndex((c) => (c.choices as Array<{ finish_reason: unknown }>)[0]?.finish_reason != null);
      if (always) chunks[finish]!.usage = plan.usage;
      if (style === 'x_groq') chunks[finish]!.x_groq = { id: randomId('req_', 26), usage: { ...plan.usage, queue_time: 0.01, total_time: 0.02 } };
      if (plan.reasoningContent) {
        const thinking = structuredClone(chunks[0]!) as Json & { choices: Array<{ delta: Json }> };
        thinking.choices[0]!.delta = { reasoning_content: plan.reasoningContent };
        chunks.splice(1, 0, thinking);
      }
      if (azure) {
        chunks.unshift({
          choices: [],
          created: 0,
          id: '',
          model: '',
          object: '',
          prompt_filter_results: [{ prompt_index: 0, content_filter_results: { hate: { filtered: false, severity: 'safe' } } }],
        });
      }
      return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), frames.at(-1)!];
    },
  };
}

export type MockCompat = ReturnType<typeof createMockCompat>;
