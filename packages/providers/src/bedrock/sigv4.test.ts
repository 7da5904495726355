import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { ProviderConfigError } from '../adapter';
import { parseAwsCredentials, signRequest } from './sigv4';

describe('signRequest', () => {
  it('signs a Bedrock request (model id with a colon, session token) that AWS\'s signer accepts', async () => {
    const date = new Date('2026-01-02T03:04:05Z');
    const credentials = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' };
    const url = 'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse';
    const body = '{"messages":[]}';
    const ours = await signRequest({ method: 'POST', url, headers: { 'content-type': 'application/json' }, body, region: 'us-east-1', service: 'bedrock', credentials, date });
    const presigned = await new SignatureV4({ service: 'bedrock', region: 'us-east-1', sha256: Sha256, credentials }).sign(
      { method: 'POST', protocol: 'https:', hostname: 'bedrock-runtime.us-east-1.amazonaws.com', path: new URL(url).pathname, query: {}, headers: { 'content-type': 'application/json', host: 'bedrock-runtime.us-east-1.amazonaws.com' }, body },
      { signingDate: date },
    );
    expect(ours.authorization).toBe(presigned.headers.authorization);
    expect(ours.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKID\/20260102\/us-east-1\/bedrock\/aws4_request/);
    expect(ours['x-amz-date']).toBe('20260102T030405Z');
    expect(ours['x-amz-security-token']).toBe('TOKEN');
    expect(ours.host).toBeUndefined();
  });

  it('parses the key forms and refuses others as a configuration error', () => {
    expect(parseAwsCredentials('A:B')).toEqual({ accessKeyId: 'A', secretAccessKey: 'B' });
    expect(parseAwsCredentials('A:B:C')).toEqual({ accessKeyId: 'A', secretAccessKey: 'B', sessionToken: 'C' });
    expect(() => parseAwsCredentials('just-a-key')).toThrow(ProviderConfigError);
  });
});
