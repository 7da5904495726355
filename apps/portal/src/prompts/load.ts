import { eq, max } from 'drizzle-orm';
import { first, promptVersions, prompts, services } from '@tollgate/db';
import { isId, type PromptId } from '@tollgate/domain';
import type { Reader } from '../changes/tx';

/** A prompt with its service, so the caller can run the policy on the service's team; undefined when missing. */
export async function findPrompt(db: Reader, id: string) {
  if (!isId('prompt', id)) return undefined;
  const row = await first(db.select().from(prompts).innerJoin(services, eq(services.id, prompts.serviceId)).where(eq(prompts.id, id)));
  return row ? { prompt: row.prompts, service: row.services } : undefined;
}

export type PromptRow = typeof prompts.$inferSelect;

/** The highest version number of a prompt; null before its first version. */
export const latestVersionOf = async (db: Reader, promptId: PromptId): Promise<number | null> =>
  (await first(db.select({ v: max(promptVersions.version) }).from(promptVersions).where(eq(promptVersions.promptId, promptId))))?.v ?? null;
