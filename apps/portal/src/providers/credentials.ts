import { z } from 'zod';
import type { SecretBox } from '../secrets/secret-box';

const keySchema = z.string().min(1).max(4096);

/** One key of a provider's pool; the gateway spreads calls over the pool by weight. */
export const poolKeySchema = z.strictObject({ key: keySchema, weight: z.number().int().min(1).max(100).default(1) });

/** What a provider's sealed credentials hold: a pool of one or more keys. */
export const providerCredentialsSchema = z.object({ keys: z.array(poolKeySchema).min(1).max(20) });
export type ProviderCredentials = z.infer<typeof providerCredentialsSchema>;

// Credentials sealed before key pools held a single `apiKey`; they still open.
const storedSchema = z.union([providerCredentialsSchema, z.object({ apiKey: keySchema }).transform(({ apiKey }) => ({ keys: [{ key: apiKey, weight: 1 }] }))]);

export const sealCredentials = (secrets: SecretBox, credentials: ProviderCredentials): string =>
  secrets.seal(JSON.stringify(credentials));

export const openCredentials = (secrets: SecretBox, sealed: string): ProviderCredentials =>
  storedSchema.parse(JSON.parse(secrets.open(sealed)));

/** The API's two spellings, `apiKey` (one key) and `apiKeys` (a pool), as the one stored form. */
export function credentialsFrom(input: { apiKey?: string; apiKeys?: Array<{ key: string; weight: number }> }): ProviderCredentials | undefined {
  if (input.apiKeys) return { keys: input.apiKeys };
  if (input.apiKey) return { keys: [{ key: input.apiKey, weight: 1 }] };
  return undefined;
}
