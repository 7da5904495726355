import { compilePrompt, type PromptSpec } from '@tollgate/prompts';
import type { ReleaseConfig } from '../releases/config';

type DocumentedPrompt = Pick<ReleaseConfig['prompts'][number], 'name' | 'path' | 'description' | 'spec'>;

const operationIdFor = (path: string) => `prompt-${path.slice(1).replace(/\//g, '-')}`;

function usedOperationIds(paths: Record<string, unknown>): Set<string> {
  const ids = new Set<string>();
  for (const item of Object.values(paths)) {
    if (!item || typeof item !== 'object') continue;
    for (const op of Object.values(item as Record<string, unknown>)) {
      const id = op && typeof op === 'object' ? (op as { operationId?: unknown }).operationId : undefined;
      if (typeof id === 'string') ids.add(id);
    }
  }
  return ids;
}

/**
 * A service's document with its prompt APIs added as `POST /<service slug><prompt path>` operations, tagged
 * `prompts`. The input is never changed: an imported document is the team's own text and stays as they sent
 * it; the prompts are merged into a copy each time the document is read (ADR 0011).
 */
export function withPromptOperations(document: Record<string, unknown>, serviceSlug: string, prompts: readonly DocumentedPrompt[]): Record<string, unknown> {
  if (!prompts.length) return document;
  const copy = structuredClone(document);
  const paths = (copy.paths && typeof copy.paths === 'object' ? copy.paths : (copy.paths = {})) as Record<string, Record<string, unknown>>;
  const used = usedOperationIds(paths);
  for (const prompt of prompts) {
    let operationId = operationIdFor(prompt.path);
    for (let n = 2; used.has(operationId); n++) operationId = `${operationIdFor(prompt.path)}-${n}`;
    used.add(operationId);
    const operation = compilePrompt(prompt.spec as PromptSpec).openApiOperation({
      operationId,
      summary: prompt.name,
      ...(prompt.description ? { description: prompt.description } : {}),
    });
    const tags = Array.isArray(operation.tags) ? (operation.tags as unknown[]) : [];
    const item = (paths[`/${serviceSlug}${prompt.path}`] ??= {});
    // The gateway answers this path with the prompt, so the prompt's operation is the one to document.
    item.post = { ...operation, tags: [...new Set([...tags, 'prompts'])] };
  }
  return copy;
}
