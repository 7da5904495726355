import { errorTypeForStatus, type TranslatedError } from '../adapter';
import { parseJsonObject, translateOpenAiError } from '../openai/adapter';
import { isObj } from './usage';

/** FastAPI/pydantic validation items (`{loc: ['body', 'n'], msg}`), as Mistral and vLLM-based servers answer. */
function describeValidation(items: unknown[]): { message: string; param: string | null } {
  let param: string | null = null;
  const parts = items.map((item) => {
    if (!isObj(item)) return String(item);
    const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
    param ??= loc || null;
    const msg = typeof item.msg === 'string' ? item.msg : 'invalid';
    return loc ? `${loc}: ${msg}` : msg;
  });
  return { message: parts.join('; '), param };
}

/** The message (and the parameter it names) of a body that is not OpenAI-shaped, or null when it says nothing. */
function describe(parsed: Record<string, unknown>): { message: string; param: string | null } | null {
  // xAI: {"code": "Client specified an invalid argument", "error": "Argument not supported on this model: stop"}
  if (typeof parsed.error === 'string') return { message: parsed.error, param: null };
  for (const field of [parsed.message, parsed.detail]) {
    if (typeof field === 'string') return { message: field, param: null };
    if (Array.isArray(field)) return describeValidation(field);
    // Mistral (2024): {"object":"error","message":{"detail":[…]}, …}
    if (isObj(field) && Array.isArray(field.detail)) return describeValidation(field.detail);
  }
  return null;
}

/**
 * A provider's error in OpenAI's shape. OpenAI-shaped bodies pass through as the OpenAI adapter passes them;
 * the family's other shapes (xAI's string `error`, Mistral's top-level `message`, FastAPI's `detail`) keep
 * their text and the parameter they name. Validation failures answered 422 become OpenAI's 400, which the
 * OpenAI SDK and its users expect for a bad parameter; provider failures become 502.
 */
export function translateCompatibleError(status: number, body: Buffer): TranslatedError {
  const parsed = parseJsonObject(body);
  if (!parsed || isObj(parsed.error)) return translateOpenAiError(status, body);
  const described = describe(parsed);
  if (!described) return translateOpenAiError(status, body);
  const code = typeof parsed.code === 'string' && /^[\w.-]{1,64}$/.test(parsed.code) ? parsed.code : null;
  return {
    status: status >= 500 ? 502 : status === 422 ? 400 : status,
    body: {
      error: {
        message: described.message.slice(0, 2_000) || `The provider answered ${status}.`,
        type: typeof parsed.type === 'string' && parsed.type !== '' ? parsed.type : errorTypeForStatus(status),
        param: typeof parsed.param === 'string' ? parsed.param : described.param,
        code,
      },
    },
  };
}
