import { eq, max } from 'drizzle-orm';
import { promptVersions, prompts, services } from '@tollgate/db';
import { isId, type PromptId } from '@tollgate/domain';
import type { Reader } from '../changes/tx';

/** A prompt with its service, so the caller can run the policy on the service's team; undefined when missing. */
export function findPrompt(db: Reader, id: string) {
  if (!isId('prompt', id)) return undefined;
  const row = db.select().from(prompts).innerJoin(services, eq(services.id, prompts.serviceId)).where(eq(prompts.id, id)).get();
  return row ? { prompt: row.prompts, service: row.services } : undefined;
}

export type PromptRow = typeof prompts.$inferSelect;

/** The highest version number of a prompt; null before its first version. */
export const latestVersionOf = (db: Reader, promptId: PromptId): number | null =>
  db.select({ v: max(promptVersions.version) }).from(promptVersions).where(eq(promptVersions.promptId, promptId)).get()?.v ?? null;
