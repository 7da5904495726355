import { z } from 'zod';

/**
 * Where a webhook may point: http(s) only, no credentials in the URL (they would show in lists and logs; the
 * signature is the authentication). Private and loopback addresses are allowed on purpose: on-prem receivers
 * are normal, and what the portal may reach is the operator's network policy (see ADR 0007).
 */
export const webhookUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !url.username && !url.password;
    } catch {
      return false;
    }
  }, 'an http:// or https:// URL without user:password@');

/** The URL as the audit log keeps it: scheme, host and port only, since a path can itself be a secret. */
export const auditableUrl = (value: string) => new URL(value).origin;
