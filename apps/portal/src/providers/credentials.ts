import { z } from 'zod';
import type { SecretBox } from '../secrets/secret-box';

/** What a provider's sealed credentials hold. A key pool arrives with the unified AI API issue. */
export const providerCredentialsSchema = z.object({ apiKey: z.string().min(1).max(4096) });
export type ProviderCredentials = z.infer<typeof providerCredentialsSchema>;

export const sealCredentials = (secrets: SecretBox, credentials: ProviderCredentials): string =>
  secrets.seal(JSON.stringify(credentials));

export const openCredentials = (secrets: SecretBox, sealed: string): ProviderCredentials =>
  providerCredentialsSchema.parse(JSON.parse(secrets.open(sealed)));
