import type { SnapshotRestApi } from '@tollgate/domain';

/** One API of a service, prepared once per snapshot for matching. */
export interface CompiledApi {
  api: SnapshotRestApi;
  /** Upper-case methods; empty = every method. */
  methods: ReadonlySet<string>;
  /** Names of the `{param}` segments, in path order. */
  paramNames: readonly string[];
  /** How many leading segments of the template are literal: what `stripPrefix` drops. */
  literalSegments: number;
  /** Segments of the template (the depth a prefix API ends at). */
  depth: number;
  headers: ReadonlyArray<readonly [string, string]>;
  query: ReadonlyArray<readonly [string, string]>;
}

interface TrieNode {
  literal: Map<string, TrieNode>;
  param: TrieNode | null;
  exact: CompiledApi[];
  prefix: CompiledApi[];
}

/** What a request offers the header and query conditions. */
export interface MatchFacts {
  method: string;
  header(name: string): string | undefined;
  query(name: string): string | undefined;
}

export interface ApiMatch {
  api: CompiledApi;
  /** Raw (still percent-encoded) values of the template's parameters. */
  params: Record<string, string>;
  /** The API path as called (after the slug), raw. */
  path: string;
  /** The raw path below the API's literal prefix, and below its whole template (for prefix APIs). */
  belowLiteral: string;
  belowTemplate: string;
}

export type TrieResult = { kind: 'match'; match: ApiMatch } | { kind: 'method'; allow: string[] } | { kind: 'none' };

const newNode = (): TrieNode => ({ literal: new Map(), param: null, exact: [], prefix: [] });

/** `/a//b/` → segments `a`, `b` with the offset where each ends, so the raw rest of a path can be cut out. */
export function splitPath(path: string): { segments: string[]; ends: number[] } {
  const segments: string[] = [];
  const ends: number[] = [];
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47 /* / */) {
      if (i > start) {
        segments.push(path.slice(start, i));
        ends.push(i);
      }
      start = i + 1;
    }
  }
  return { segments, ends };
}

const paramName = (segment: string) => (segment.length > 2 && segment.startsWith('{') && segment.endsWith('}') ? segment.slice(1, -1) : null);

export function compileApi(api: SnapshotRestApi): CompiledApi {
  const { segments } = splitPath(api.path);
  const paramNames: string[] = [];
  let literalSegments = -1;
  segments.forEach((segment, i) => {
    const name = paramName(segment);
    if (name === null) return;
    paramNames.push(name);
    if (literalSegments < 0) literalSegments = i;
  });
  return {
    api,
    methods: new Set(api.methods.map((m) => m.toUpperCase())),
    paramNames,
    literalSegments: literalSegments < 0 ? segments.length : literalSegments,
    depth: segments.length,
    headers: Object.entries(api.headers).map(([name, value]) => [name.toLowerCase(), value] as const),
    query: Object.entries(api.query),
  };
}

const conditionCount = (a: CompiledApi) => a.headers.length + a.query.length;

/**
 * A service's APIs as a segment trie, built once per snapshot. Matching walks literal children before the
 * parameter child before prefix APIs ending at a node, so the first API found is the most specific; at one
 * node, APIs with more header/query conditions come first, then the catalogue's order.
 */
export class ApiTrie {
  readonly #root = newNode();

  constructor(apis: readonly SnapshotRestApi[]) {
    for (const api of apis) this.#insert(compileApi(api));
    const sort = (node: TrieNode) => {
      // Stable sort: equal condition counts keep the catalogue's order.
      node.exact.sort((a, b) => conditionCount(b) - conditionCount(a));
      node.prefix.sort((a, b) => conditionCount(b) - conditionCount(a));
      for (const child of node.literal.values()) sort(child);
      if (node.param) sort(node.param);
    };
    sort(this.#root);
  }

  #insert(compiled: CompiledApi): void {
    let node = this.#root;
    for (const segment of splitPath(compiled.api.path).segments) {
      if (paramName(segment) !== null) node = node.param ??= newNode();
      else {
        let next = node.literal.get(segment);
        if (!next) node.literal.set(segment, (next = newNode()));
        node = next;
      }
    }
    (compiled.api.pathType === 'prefix' ? node.prefix : node.exact).push(compiled);
  }

  /**
   * The most specific API for `path` whose conditions and method match; else the methods the path and
   * conditions would take (for a 405), else nothing. Segments are compared raw, as the client encoded them.
   */
  match(path: string, facts: MatchFacts): TrieResult {
    const { segments, ends } = splitPath(path);
    const captured: string[] = [];
    const allow = new Set<string>();
    const cutAt = (depth: number) => (depth === 0 ? path : path.slice(ends[depth - 1]!)) || '/';
    const found = (api: CompiledApi): ApiMatch => {
      const params: Record<string, string> = {};
      api.paramNames.forEach((name, i) => (params[name] = captured[i]!));
      return { api, params, path, belowLiteral: cutAt(api.literalSegments), belowTemplate: cutAt(api.depth) };
    };
    const pick = (candidates: readonly CompiledApi[]): CompiledApi | null => {
      for (const api of candidates) {
        if (!conditionsHold(api, facts)) continue;
        // HEAD is GET without the body (RFC 9110 §9.3.2): an API that takes GET answers it too.
        if (api.methods.size === 0 || api.methods.has(facts.method) || (facts.method === 'HEAD' && api.methods.has('GET'))) return api;
        for (const m of api.methods) allow.add(m);
      }
      return null;
    };
    const walk = (node: TrieNode, depth: number): ApiMatch | null => {
      if (depth === segments.length) {
        const api = pick(node.exact) ?? pick(node.prefix);
        return api && found(api);
      }
      const segment = segments[depth]!;
      const child = node.literal.get(segment);
      const viaLiteral = child && walk(child, depth + 1);
      if (viaLiteral) return viaLiteral;
      if (node.param) {
        captured.push(segment);
        const viaParam = walk(node.param, depth + 1);
        if (viaParam) return viaParam;
        captured.pop();
      }
      const api = pick(node.prefix);
      return api && found(api);
    };
    const match = walk(this.#root, 0);
    if (match) return { kind: 'match', match };
    return allow.size > 0 ? { kind: 'method', allow: [...allow].sort() } : { kind: 'none' };
  }
}

function conditionsHold(api: CompiledApi, facts: MatchFacts): boolean {
  for (const [name, value] of api.headers) if (facts.header(name) !== value) return false;
  for (const [name, value] of api.query) if (facts.query(name) !== value) return false;
  return true;
}
