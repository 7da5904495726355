import type { ApiErrorBody, FieldIssue } from '@tollgate/portal/api-types';

/** A portal API refusal as the web app shows it: the portal's own code, message and per-field issues. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly fields: FieldIssue[] = [],
  ) {
    super(message);
  }

  /** The message for one form field (`limits.requestsPerMinute`), if the portal named it. */
  fieldMessage(path: string): string | undefined {
    return this.fields.find((f) => f.path === path)?.message;
  }
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * One call to the portal API, same origin, with the session cookie. JSON in, JSON out; any non-2xx answer
 * becomes an ApiError carrying the portal's message (a network failure too, so every page can show it).
 */
export async function request<T>(method: Method, path: string, body?: unknown, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      ...init,
    });
  } catch (err) {
    throw new ApiError(0, 'network_error', `The portal could not be reached (${(err as Error).message}). Check your connection and try again.`, null);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) throw apiErrorOf(res, parsed);
  return parsed as T;
}

/** A non-2xx answer as an ApiError; also for callers that read a response themselves (a streamed export). */
export function apiErrorOf(res: Response, parsed: unknown): ApiError {
  const error = (parsed as ApiErrorBody | null)?.error;
  return new ApiError(res.status, error?.code ?? 'http_error', error?.message ?? `The portal answered ${res.status} ${res.statusText}.`, error?.requestId ?? res.headers.get('x-request-id'), error?.fields ?? []);
}

export const api = {
  get: <T>(path: string, init?: RequestInit) => request<T>('GET', path, undefined, init),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, body),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** A query string from the set values only, in a stable order (so URLs and cache keys are the same each time). */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (!entries.length) return '';
  return `?${new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString()}`;
}
