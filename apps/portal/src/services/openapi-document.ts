import { z } from 'zod';
import YAML, { CST, Lexer, Parser, YAMLParseError } from 'yaml';
import { jsonNestsDeeperThan, maxOpenApiDepth } from '@tollgate/domain';
import { ApiError, badRequest, type FieldIssue } from '../http/errors';
import { createApiSchema, httpMethods, type ApiInput } from './apis-schemas';
import { nodeUrlProblem, normalizeNodeUrl } from '../rest/http-schemas';

/**
 * Reading an OpenAPI 3.x document sent to the import route: the raw text becomes a plain object (JSON or
 * YAML by content type), is checked with zod, and each operation becomes one API. Every failure is a 4xx that
 * says where in the document the problem is, e.g. `paths./pets.get.tags: ...`.
 */

export const yamlMediaTypes = ['application/yaml', 'application/x-yaml', 'text/yaml'] as const;
export const acceptedMediaTypes = ['application/json', ...yamlMediaTypes] as const;

/** More than any hand-written API has; beyond it an import is more likely a mistake than a service. */
export const maxOperations = 500;

/**
 * Aliases a YAML document may expand (the library's default, set here so an upgrade cannot change it): an alias
 * bomb ("billion laughs") is then a 400 after a few milliseconds instead of gigabytes of objects.
 */
export const maxYamlAliasCount = 100;

/** One code for JSON and YAML alike: the limit is on the document, whatever it was written in. */
const tooDeep = () =>
  badRequest(`The OpenAPI document nests deeper than ${maxOpenApiDepth} levels of objects and arrays; no real API needs that.`, 'openapi_too_deep');

export function parseDocumentText(contentType: string | undefined, text: string): unknown {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/json') {
    // Before parsing: JSON.stringify, when the document is stored, overflows the stack at a few thousand levels.
    if (jsonNestsDeeperThan(text, maxOpenApiDepth)) throw tooDeep();
    try {
      return JSON.parse(text);
    } catch {
      throw badRequest('The request body is not valid JSON.', 'invalid_json');
    }
  }
  if ((yamlMediaTypes as readonly string[]).includes(mediaType)) return parseYaml(text);
  throw new ApiError(415, 'unsupported_media_type', `Send the OpenAPI document as ${acceptedMediaTypes.join(', ')}.`);
}

/**
 * True when YAML text opens more than `limit` collections inside each other. The library's composer (inside
 * YAML.parse) recurses once per level and overflows the stack at about 1,000 block or 2,000 flow levels, so
 * this reads the concrete syntax tree instead: the Parser keeps the collections still open on an explicit
 * `stack`, which is looked at after every lexeme, and nothing here recurses.
 */
export function yamlNestsDeeperThan(text: string, limit: number): boolean {
  const parser = new Parser();
  const exceeded = () => {
    // Only collections count; the stack also holds the document and at most a scalar or two on top.
    if (parser.stack.length <= limit) return false;
    let open = 0;
    for (const token of parser.stack) if (CST.isCollection(token) && ++open > limit) return true;
    return false;
  };
  for (const lexeme of new Lexer().lex(text)) {
    for (const _ of parser.next(lexeme));
    if (exceeded()) return true;
  }
  for (const _ of parser.end());
  return false;
}

/**
 * True when a parsed value nests deeper than `limit`, without recursion. Needed after YAML.parse although the
 * text was measured: an alias puts a whole anchored collection where it stands, so shallow anchors can chain
 * into a deep value, or into a cycle (`&a [*a]`). A collection reached again (only an alias does that) is
 * walked again only if reached deeper than before, so each is walked at most `limit` times and a cycle ends
 * once it passes the limit.
 */
export function valueNestsDeeperThan(value: unknown, limit: number): boolean {
  const deepest = new Map<object, number>();
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length) {
    const [at, depth] = pending.pop()!;
    if (at === null || typeof at !== 'object') continue;
    if (depth > limit) return true;
    if ((deepest.get(at) ?? 0) >= depth) continue;
    deepest.set(at, depth);
    for (const child of Array.isArray(at) ? at : Object.values(at)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
}

function parseYaml(text: string): unknown {
  if (yamlNestsDeeperThan(text, maxOpenApiDepth)) throw tooDeep();
  let value: unknown;
  try {
    value = YAML.parse(text, { maxAliasCount: maxYamlAliasCount });
  } catch (err) {
    if (err instanceof ReferenceError && /alias count/i.test(err.message)) {
      throw badRequest(`The YAML document expands its aliases too often (more than ${maxYamlAliasCount}); write the repeated parts out, or use fewer aliases.`, 'invalid_yaml');
    }
    // The library's first line already reads "<what> at line L, column C"; the rest is a source excerpt.
    const what = err instanceof YAMLParseError ? err.message.split('\n')[0]!.replace(/:$/, '') : err instanceof Error ? err.message : 'unreadable';
    throw badRequest(`The request body is not valid YAML: ${what}.`, 'invalid_yaml');
  }
  if (valueNestsDeeperThan(value, maxOpenApiDepth)) throw tooDeep();
  return value;
}

const operationSchema = z.looseObject({
  summary: z.string().optional(),
  operationId: z.string().optional(),
  description: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

/** Only the method keys matter here; `parameters`, `servers`, `x-*` and unknown keys are left alone. */
const pathItemSchema = z.looseObject(Object.fromEntries(httpMethods.map((m) => [m.toLowerCase(), operationSchema.optional()])));

const documentSchema = z.looseObject({
  openapi: z.string().regex(/^3\.[01](\.|$)/, 'only OpenAPI 3.0.x and 3.1.x are supported'),
  info: z.looseObject({ title: z.string().trim().min(1), version: z.string().min(1) }),
  paths: z.record(z.string(), pathItemSchema).superRefine((paths, ctx) => {
    for (const path of Object.keys(paths)) {
      if (!path.startsWith('/')) ctx.addIssue({ code: 'custom', path: [path], message: 'a path must start with /' });
    }
  }),
});

const issuePath = (issue: z.core.$ZodIssue) => (issue.path.length ? issue.path.join('.') : 'document');

const describeIssues = (error: z.ZodError) =>
  error.issues
    .slice(0, 3)
    .map((issue) => `${issuePath(issue)}: ${issue.message}`)
    .join('; ');

/**
 * Each problem with its place in the document (`paths./pets.get.tags`), so an editor can list them one by one
 * where the one-line message only has room for the first three.
 */
const invalidDocument = (message: string, fields: FieldIssue[]) => new ApiError(400, 'invalid_openapi', message, fields);

export interface ImportedDocument {
  /** The body exactly as parsed (key order, unknown fields and all), not zod's normalised copy. */
  document: Record<string, unknown>;
  info: { title: string; version: string };
  apis: ApiInput[];
}

/** Checks the document and returns it with the APIs its operations describe, in document order. */
export function readOpenApiDocument(body: unknown): ImportedDocument {
  if (body && typeof body === 'object' && !Array.isArray(body) && 'swagger' in body && !('openapi' in body)) {
    throw badRequest('This is a Swagger 2.0 document; only OpenAPI 3.x (3.0 or 3.1) is supported. Convert it first.', 'unsupported_openapi_version');
  }
  const parsed = documentSchema.safeParse(body);
  if (!parsed.success) throw invalidDocument(describeIssues(parsed.error), parsed.error.issues.slice(0, 20).map((issue) => ({ path: issuePath(issue), message: issue.message })));
  const apis: ApiInput[] = [];
  for (const [path, item] of Object.entries(parsed.data.paths)) {
    for (const method of httpMethods) {
      const operation = item[method.toLowerCase()];
      if (!operation) continue;
      if (apis.length === maxOperations) {
        const message = `the document has more than ${maxOperations} operations; split it into several services.`;
        throw invalidDocument(`paths: ${message}`, [{ path: 'paths', message }]);
      }
      const location = `paths.${path}.${method.toLowerCase()}`;
      apis.push(toApi(location, path, method, operation));
    }
  }
  return { document: body as Record<string, unknown>, info: parsed.data.info, apis };
}

/** Through the same schema as a manually created API, so both ways give APIs of one shape. */
function toApi(location: string, path: string, method: (typeof httpMethods)[number], op: z.infer<typeof operationSchema>): ApiInput {
  const name = (op.summary?.trim() || op.operationId?.trim() || `${method} ${path}`).slice(0, 120);
  const parsed = createApiSchema.safeParse({ name, methods: [method], path, description: op.description ?? '', tags: op.tags ?? [] });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const where = issue.path[0] === 'path' ? `paths.${path}` : [location, ...issue.path].join('.');
  throw invalidDocument(`${where}: ${issue.message}`, [{ path: where, message: issue.message }]);
}

export interface DocumentServers {
  /** Absolute http(s) URLs, server variables resolved to their defaults, normalised as upstream node URLs. */
  urls: string[];
  /** What was not taken, and why: a relative URL, another scheme, credentials in the URL. */
  skipped: Array<{ url: string; reason: string }>;
}

/**
 * The document's top-level `servers`, as candidates for a REST service's first upstream. Path- and
 * operation-level servers are not read: an upstream serves the whole service.
 */
export function readServers(document: Record<string, unknown>): DocumentServers {
  const out: DocumentServers = { urls: [], skipped: [] };
  const servers = Array.isArray(document.servers) ? document.servers : [];
  for (const server of servers.slice(0, 64)) {
    if (!server || typeof server !== 'object' || typeof (server as { url?: unknown }).url !== 'string') continue;
    const { url, variables } = server as { url: string; variables?: Record<string, { default?: unknown }> };
    let missing: string | undefined;
    const resolved = url.replace(/\{([^{}]+)\}/g, (_, name: string) => {
      const value = variables?.[name]?.default;
      if (typeof value === 'string') return value;
      missing ??= name;
      return '';
    });
    if (missing) {
      out.skipped.push({ url, reason: `server variable {${missing}} has no default` });
      continue;
    }
    if (!/^[a-z][a-z0-9+.-]*:/i.test(resolved)) {
      out.skipped.push({ url, reason: 'a relative URL: the document does not say which host serves it' });
      continue;
    }
    const problem = nodeUrlProblem(resolved);
    if (problem) {
      out.skipped.push({ url, reason: problem });
      continue;
    }
    const node = normalizeNodeUrl(resolved);
    if (!out.urls.includes(node)) out.urls.push(node);
  }
  return out;
}
