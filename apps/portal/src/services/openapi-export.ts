import YAML from 'yaml';
import { maxOpenApiDepth } from '@tollgate/domain';
import { valueNestsDeeperThan, yamlMediaTypes } from './openapi-document';

/**
 * The export side: a service that never had a document imported still gets one, built from its APIs, so
 * consumers can point their tooling at every service alike.
 */

interface ServiceForDocument {
  name: string;
  description: string;
}

interface ApiForDocument {
  name: string;
  methods: string[];
  path: string;
  description: string;
  tags: string[];
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'operation';

/** An OpenAPI 3.1.0 document describing what the portal knows: paths, methods, names, descriptions, tags. */
export function generateOpenApiDocument(service: ServiceForDocument, apis: readonly ApiForDocument[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  // operationId must be unique in a document; APIs with several methods or equal names would collide.
  const usedIds = new Set<string>();
  const operationId = (name: string, method: string) => {
    const base = slugify(name);
    let id = usedIds.has(base) ? `${base}-${method.toLowerCase()}` : base;
    for (let n = 2; usedIds.has(id); n++) id = `${base}-${n}`;
    usedIds.add(id);
    return id;
  };
  for (const api of apis) {
    const item = (paths[api.path] ??= {});
    for (const method of api.methods) {
      const key = method.toLowerCase();
      if (item[key]) continue; // two APIs claiming one operation: the first (in path order) describes it
      item[key] = {
        summary: api.name,
        ...(api.description ? { description: api.description } : {}),
        ...(api.tags.length ? { tags: api.tags } : {}),
        operationId: operationId(api.name, method),
        responses: { '200': { description: 'Successful response' } },
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: service.name, version: '1', ...(service.description ? { description: service.description } : {}) },
    paths,
  };
}

export type ExportFormat = 'json' | 'yaml';

/**
 * `?format=` wins; otherwise YAML only when the Accept header ranks a YAML type above JSON, so browsers and
 * `*\/*` clients get JSON.
 */
export function chooseExportFormat(format: ExportFormat | undefined, accept: string | undefined): ExportFormat {
  if (format) return format;
  let yaml = 0;
  let json = 0;
  for (const part of (accept ?? '').split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if ((yamlMediaTypes as readonly string[]).includes(type!.trim())) yaml = Math.max(yaml, q);
    if (type!.trim() === 'application/json') json = Math.max(json, q);
  }
  return yaml > json ? 'yaml' : 'json';
}

/**
 * YAML text of a document. One nesting deeper than an import may (stored before the limit existed) is given
 * as JSON text instead: YAML.stringify recurses per level and overflows the stack at about 2,000, and JSON is
 * valid YAML 1.2, so a YAML consumer still reads the same document. A 406 would leave it with nothing, for a
 * document its team may not even know is too deep; the team's fix is a re-import, which the limit now checks.
 */
export const toYaml = (document: unknown) =>
  valueNestsDeeperThan(document, maxOpenApiDepth) ? `${JSON.stringify(document)}\n` : YAML.stringify(document);
