import type { ServiceRestSettings } from '@tollgate/db';
import type { ServiceKind } from '@tollgate/domain';
import { badRequest } from '../http/errors';
import { fillServiceRest } from './fill';
import { corsSchema, keyLocationsSchema } from './service-schemas';
import { hostsSchema } from './http-schemas';

/**
 * The REST settings sent with the service itself (`POST /teams/:id/services`, `PATCH /services/:id`): hosts,
 * extra API-key locations and CORS. Upstreams and the traffic policy have their own routes.
 */
export const serviceRestFields = {
  hosts: hostsSchema.optional(),
  keyLocations: keyLocationsSchema.optional(),
  /** null turns CORS off: the gateway then answers no preflight and adds no CORS headers. */
  cors: corsSchema.nullable().optional(),
};

export type ServiceRestFieldName = keyof typeof serviceRestFields;
export const serviceRestFieldNames = Object.keys(serviceRestFields) as ServiceRestFieldName[];

type Sent = Partial<Pick<ServiceRestSettings, ServiceRestFieldName>>;

/** The fields of `input` that are REST settings, and the others. */
export function takeRestFields<T extends Sent>(input: T): { rest: Sent; others: Omit<T, ServiceRestFieldName> } {
  const { hosts, keyLocations, cors, ...others } = input;
  const rest: Sent = { ...(hosts !== undefined && { hosts }), ...(keyLocations !== undefined && { keyLocations }), ...(cors !== undefined && { cors }) };
  return { rest, others };
}

/** The service's REST settings with `sent` applied; an AI service takes none of them. */
export function withServiceRestFields(kind: ServiceKind, stored: ServiceRestSettings | null, sent: Sent): ServiceRestSettings | null {
  const named = Object.keys(sent)[0];
  if (kind !== 'rest') {
    if (named) throw badRequest(`${named}: REST settings belong to REST services; this service is of kind ${kind}`);
    return stored;
  }
  return { ...fillServiceRest(stored), ...sent };
}

/** What an answer shows of them: the team sees its working copy; others see the live release's (`publishedFaces`). */
export function serviceRestView(rest: ServiceRestSettings | null) {
  const filled = fillServiceRest(rest);
  return { hosts: filled.hosts, keyLocations: filled.keyLocations, cors: filled.cors };
}
