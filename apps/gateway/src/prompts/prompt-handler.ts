import type { Context, MiddlewareHandler } from 'hono';
import { chatAdapters, costMicroUsd, findModelPrice, UpstreamFormatError, type ChatAdapter, type ChatCall, type ChatStreamTranslator } from '@tollgate/providers';
import type { ModelTarget, ProviderType, SnapshotPlan, SnapshotProvider, SnapshotSubscription, Usage } from '@tollgate/domain';
import type { PromptMessage } from '@tollgate/prompts';
import type { GatewayEnv } from '../env';
import { GatewayError, isUnifiedApiPath } from '../errors';
import type { RecordMeter } from '../meter/call-meter';
import type { ServedPrompt } from '../snapshot/gateway-config';
import { authorizeService } from '../steps/authorize';
import { enforceLimits, type LimitSettings } from '../steps/limit';
import { estimateTokens } from '../limits/estimate';
import { limitModelKey } from '../limits/rules';
import { buildProviderRequest } from '../forward/chat-completions';
import { openAiIngress } from '../forward/ingress';
import { finishStreamedCall, relayStream } from '../forward/stream-relay';
import { callUpstream, type UpstreamRouting } from '../forward/upstream-call';
import { answerHeaders, providerTarget, readUpstreamBody, upstreamFailure } from '../forward/upstream-response';
import { cancelOnClientGone, readBodyText } from '../http/node-request';
import { readPromptBody, type PromptCall } from './prompt-body';
import { promptEvent, promptStreamTranslator } from './prompt-stream';
import { captureOf, startCapture } from '../capture/body-capture';
import { billedUsage, inputEstimateOf, recordBilledUsage } from '../usage/billed-usage';
import { estimatedTokensOfChars } from '../usage/delivered-text';

export interface PromptDeps {
  limits: LimitSettings;
  meter: RecordMeter;
  upstream: UpstreamRouting;
  maxBodyBytes: number;
  captureMaxBytes: number;
}

/**
 * Providers whose Chat Completions take `response_format: {type: "json_schema"}`. The others get the plain
 * request, and an answer that does not parse or match the schema gets one repair round.
 */
const structuredOutput: ReadonlySet<ProviderType> = new Set(['openai', 'azure-openai']);

const sum = (a: Usage, b: Usage | null): Usage =>
  b
    ? {
        inputTokens: a.inputTokens + b.inputTokens,
        cacheReadTokens: a.cacheReadTokens + b.cacheReadTokens,
        cacheWriteTokens: a.cacheWriteTokens + b.cacheWriteTokens,
        outputTokens: a.outputTokens + b.outputTokens,
        reasoningTokens: a.reasoningTokens + b.reasoningTokens,
      }
    : a;
const none: Usage = { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0 };

/** An upstream call of a prompt (the answer, or its repair) with who served it, priced at that one's rates. */
interface Attempt {
  usage: Usage | null;
  provider: SnapshotProvider;
  target: ModelTarget;
  /** The answer's text: its output estimate when the usage is unusable. */
  text: string;
}

const costOf = ({ usage, provider, target }: Pick<Attempt, 'usage' | 'provider' | 'target'>) => {
  const price = findModelPrice(target.model, provider.priceOverrides, provider.type);
  return usage && price ? costMicroUsd(usage, price) : 0;
};

/** Puts the attempts' summed usage and cost on the call record; returns them for the answer. */
function meterAttempts(call: GatewayEnv['Variables']['call'], attempts: readonly Attempt[]): { usage: Usage; costMicroUsd: number } {
  // Each attempt's usage passes the one check on its own (a repair may be fine where the answer was not).
  const billed = attempts.map((a) => ({ ...a, ...billedUsage(a.usage, { input: inputEstimateOf(call), output: () => estimatedTokensOfChars(a.text.length) }) }));
  const usage = billed.reduce((total, a) => sum(total, a.usage), none);
  const cost = billed.reduce((total, a) => total + costOf(a), 0);
  for (const b of billed) recordBilledUsage(call, { ...b, usage });
  call.record.usageProblem = billed.find((b) => b.problem)?.problem ?? null;
  call.record.costMicroUsd = cost;
  return { usage, costMicroUsd: cost };
}

/** The usage and cost a prompt API answers with, in the plain words a non-LLM client reads. */
function usageView(u: Usage, cost: number) {
  return {
    usage: {
      input_tokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens,
      cached_input_tokens: u.cacheReadTokens,
      output_tokens: u.outputTokens + u.reasoningTokens,
      reasoning_tokens: u.reasoningTokens,
      total_tokens: u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens + u.outputTokens + u.reasoningTokens,
    },
    cost: { micro_usd: cost },
  };
}

const answerText = (unified: string | Buffer): string => {
  const body = JSON.parse(typeof unified === 'string' ? unified : unified.toString('utf8')) as { choices?: Array<{ message?: { content?: unknown } }> };
  const content = body.choices?.[0]?.message?.content;
  return typeof content === 'string' ? content : '';
};

/**
 * The route step for prompt APIs: an unknown path is a 404 before anything asks who is calling (DESIGN §2:
 * route, then identify). `/v1/*` is the unified API's and never a prompt.
 */
export const promptRouteStep: MiddlewareHandler<GatewayEnv> = async (c, next) => {
  if (isUnifiedApiPath(c.req.path) || !c.get('config').promptsByPath.has(c.req.path)) {
    throw new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${c.req.method} ${c.req.path}.`);
  }
  await next();
};

/**
 * `POST /<service slug><prompt path>`: a prompt version published as a REST API. The same steps as every call
 * (identify, authorize the app's subscription to the service, limits, metering) around a prompt-specific
 * middle: check and fill in the variables, render the messages (values inserted once, as data), call the
 * model through its route, and answer `{id, output, model, usage, cost}` or a stream of `delta` events.
 */
export function promptHandler(deps: PromptDeps) {
  return async (c: Context<GatewayEnv>) => {
    const config = c.get('config');
    const served: ServedPrompt | undefined = config.promptsByPath.get(c.req.path);
    if (!served) throw new GatewayError(404, 'invalid_request_error', 'unknown_url', `Unknown request URL: ${c.req.method} ${c.req.path}.`);
    const { prompt, service, compiled } = served;
    const call = c.get('call');
    call.record.serviceId = service.id;
    call.record.model = prompt.spec.model;
    call.record.promptId = prompt.id;
    call.record.promptVersion = prompt.version;
    const { subscription, plan } = authorizeService(config, c.get('app'), service, `POST ${c.req.path}`);
    call.record.subscriptionId = subscription.id;

    const text = await readBodyText(c, deps.maxBodyBytes);
    call.record.bytesIn = Buffer.byteLength(text);
    startCapture(call, service, deps.captureMaxBytes)?.request(text);
    const route = config.modelRoutesByService.get(service.id)?.find((r) => r.name === prompt.spec.model);
    if (!route) {
      throw new GatewayError(502, 'server_error', 'prompt_misconfigured', `The prompt's model '${prompt.spec.model}' is not offered by service '${service.name}'; its publisher must fix the prompt.`);
    }
    return servePrompt(c, deps, served, route.targets, readPromptBody(text, compiled), { plan, subscription });
  };
}

/**
 * The prompt-specific middle shared by prompt APIs and the portal's test runs: render, limit (a test run has
 * no subscription, so no plan limits), call the model route, check the output, answer or stream.
 */
export async function servePrompt(
  c: Context<GatewayEnv>,
  deps: PromptDeps,
  { prompt, service, compiled }: ServedPrompt,
  targets: readonly ModelTarget[],
  { values, stream }: PromptCall,
  subscribed: { plan: SnapshotPlan; subscription: SnapshotSubscription } | null,
): Promise<Response> {
  const config = c.get('config');
  const call = c.get('call');
  call.record.stream = stream;
  // Started by the prompt API's handler; a portal test run captures nothing.
  const capture = captureOf(call);
  const messages = compiled.render(values);

  const parameters = prompt.spec.parameters ?? {};
  const chatFor = (type: ProviderType, msgs: PromptMessage[], streaming: boolean): ChatCall => {
    const request = {
      ...parameters,
      model: prompt.spec.model,
      messages: msgs,
      ...(structuredOutput.has(type) ? compiled.responseFormat() : {}),
      ...(streaming ? { stream: true, stream_options: { include_usage: true } } : {}),
    };
    return { ...openAiIngress.parse(JSON.stringify(request)), clientWantsUsage: false };
  };
  const maxOutput = parameters.max_completion_tokens ?? parameters.max_tokens;
  const limitHeaders = !subscribed ? {} : await enforceLimits(c, deps.limits, {
    service,
    ...subscribed,
    model: limitModelKey(targets),
    modelName: prompt.spec.model,
    tokens: estimateTokens(deps.limits.inputTokens.count(JSON.stringify(messages), targets[0]?.model ?? prompt.spec.model), typeof maxOutput === 'number' && maxOutput > 0 ? maxOutput : undefined, deps.limits.reserveOutputTokens),
    targets: targets.map((target) => ({ provider: config.providers.get(target.providerId), target })),
  });

  const requestId = c.get('requestId');
  const cancel = cancelOnClientGone(c);
  const ask = (msgs: PromptMessage[], streaming: boolean) =>
    callUpstream({
      config,
      targets,
      requestFor: (t, p, key) => buildProviderRequest(chatAdapters[p.type], chatFor(p.type, msgs, streaming), providerTarget(p, t, key)),
      headers: { 'x-request-id': requestId, ...c.get('trace').headers },
      ...deps.upstream,
      onSkip: (_t, reason) => (call.record.errorMessage = `fell back after: ${reason}`.slice(0, 2_000)),
      cancel,
    });

  const first = await ask(messages, stream);
  const { provider, target } = first;
  call.record.providerId = provider.id;
  call.upstreamAnswered = first.response.statusCode < 300;
  const adapter = chatAdapters[provider.type];
  const headers = { ...limitHeaders, ...answerHeaders(requestId, provider, target, service) };

  if (stream && first.response.statusCode === 200) {
    call.deferred = true;
    const finish = (answer: string, inner: ChatStreamTranslator) => {
      const usage = inner.usage ?? none;
      const base = { id: call.record.id, model: inner.model ?? target.model, ...usageView(usage, costOf({ usage, provider, target })) };
      if (!prompt.spec.outputSchema) return promptEvent('done', { ...base, output: answer });
      const parsed = compiled.parseOutput(answer);
      if (parsed.ok) return promptEvent('done', { ...base, output: parsed.value });
      // The stream itself completed, but the answer is not what the prompt promises: the record says so.
      call.fail('invalid_output', parsed.error);
      return promptEvent('error', { code: 'invalid_output', message: `The model's answer does not match the output schema: ${parsed.error}` });
    };
    const chat = chatFor(provider.type, messages, true);
    const body = relayStream({
      // A real AbortSignal for the relay, made now: streams only.
      signal: cancel?.signal,
      upstream: first.response.body,
      translator: promptStreamTranslator(adapter.createChatStreamTranslator(chat, providerTarget(provider, target)), finish),
      errorEvent: (message) => promptEvent('error', { code: 'stream_interrupted', message }),
      elapsedMs: () => call.elapsedMs(),
      onEnd: (outcome) => finishStreamedCall(call, outcome, provider, target, deps.meter),
      onText: capture?.chunk,
    });
    return new Response(body, { status: 200, headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' } });
  }

  let answer = await answerOf(adapter, first, chatFor(provider.type, messages, false), call);
  call.record.ttftMs = call.elapsedMs();
  const attempts: Attempt[] = [{ usage: answer.usage, provider, target, text: answer.text }];
  let output: unknown = answer.text;
  if (prompt.spec.outputSchema) {
    let parsed = compiled.parseOutput(answer.text);
    // One repair round, only where the provider has no structured mode and there is an answer to repair.
    const repairable = !parsed.ok && !structuredOutput.has(provider.type) && answer.text.trim() !== '';
    if (!parsed.ok && repairable) {
      try {
        const repair = compiled.repairMessages(messages, answer.text, parsed.error);
        const second = await ask(repair, false);
        answer = await answerOf(chatAdapters[second.provider.type], second, chatFor(second.provider.type, repair, false), call);
        attempts.push({ usage: answer.usage, provider: second.provider, target: second.target, text: answer.text });
        parsed = compiled.parseOutput(answer.text);
      } catch (err) {
        // The model's failure, not the caller's: a refused or failed repair is still a 502.
        if (!(err instanceof GatewayError) || err.code === 'client_closed') throw err;
        parsed = { ok: false, error: `the repair request failed: ${err.message}` };
      }
    }
    if (!parsed.ok) {
      meterAttempts(call, attempts);
      const how = repairable ? ' after one repair attempt' : '';
      throw new GatewayError(502, 'server_error', 'invalid_output', `The model's answer did not match the prompt's output schema${how}: ${parsed.error}`);
    }
    output = parsed.value;
  }
  call.record.upstreamModel = answer.model;
  const metered = meterAttempts(call, attempts);
  const result = JSON.stringify({ id: call.record.id, output, model: answer.model ?? target.model, ...usageView(metered.usage, metered.costMicroUsd) });
  call.record.bytesOut = Buffer.byteLength(result);
  capture?.response(result);
  return new Response(result, { status: 200, headers: { ...headers, 'content-type': 'application/json' } });
}

/** The text, usage and model of a non-streaming answer; a provider's refusal becomes the REST error it means. */
async function answerOf(
  adapter: ChatAdapter,
  attempt: Awaited<ReturnType<typeof callUpstream>>,
  chat: ChatCall,
  call: GatewayEnv['Variables']['call'],
): Promise<{ text: string; usage: Usage | null; model: string | null }> {
  const bytes = await readUpstreamBody(attempt.response.body, undefined);
  const status = attempt.response.statusCode;
  if (status >= 400) {
    // Kept in the record whatever becomes of the error (a failed repair answers invalid_output).
    call.fail('upstream_error', `upstream ${status}: ${bytes.toString('utf8').slice(0, 2_000)}`);
    const translated = adapter.translateError(status, bytes);
    const failure = upstreamFailure(status, translated);
    if (failure) throw failure;
    const { error } = translated.body;
    throw new GatewayError(translated.status as 400, error.type, error.code ?? 'upstream_error', error.message);
  }
  try {
    const translated = adapter.translateChatResponse(bytes, chat, providerTarget(attempt.provider, attempt.target));
    return { text: answerText(translated.body), usage: translated.usage, model: translated.model };
  } catch (err) {
    if (err instanceof UpstreamFormatError || err instanceof SyntaxError) throw new GatewayError(502, 'server_error', 'invalid_upstream_response', (err as Error).message, null, {}, err);
    throw err;
  }
}
