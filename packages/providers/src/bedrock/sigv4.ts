import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ProviderConfigError } from '../adapter';

/** AWS Signature Version 4 for Bedrock Runtime requests, by AWS's own signer. */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * `target.apiKey` of a bedrock provider: `ACCESS_KEY_ID:SECRET_ACCESS_KEY` or
 * `ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN` (secret keys and session tokens never contain `:`).
 */
export function parseAwsCredentials(apiKey: string): AwsCredentials {
  const parts = apiKey.split(':');
  const [accessKeyId, secretAccessKey, sessionToken] = parts;
  if (parts.length < 2 || parts.length > 3 || !accessKeyId || !secretAccessKey || (parts.length === 3 && !sessionToken)) {
    throw new ProviderConfigError('A bedrock provider key must be ACCESS_KEY_ID:SECRET_ACCESS_KEY or ACCESS_KEY_ID:SECRET_ACCESS_KEY:SESSION_TOKEN.');
  }
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

export interface SignInput {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  credentials: AwsCredentials;
  date?: Date;
}

/**
 * The headers to send: the given ones plus `authorization`, `x-amz-date`, `x-amz-content-sha256` and, with
 * temporary credentials, `x-amz-security-token`. `host` is signed but left out: undici sends it from the URL.
 */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const url = new URL(input.url);
  const signer = new SignatureV4({ service: input.service, region: input.region, sha256: Sha256, credentials: input.credentials });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...input.headers, host: url.host },
      body: input.body,
    },
    { signingDate: input.date },
  );
  const { host: _host, ...headers } = signed.headers as Record<string, string>;
  return headers;
}
