import type { ServiceRow } from '../access/load';

/**
 * When the gateway serves what a write changed (ADR 0016). Routes that can defer their effect always answer
 * `live` and `takesEffect`; routes whose writes always apply from the next config snapshot answer neither.
 *
 * - `now`: from the next config snapshot, which gateways have within seconds.
 * - `next release`: in the working copy of a published (or deprecated) service; `POST …/releases` serves it.
 * - `first publish`: the service is a draft; publishing it (`POST …/lifecycle`) makes release 1 of it.
 * - `prompt publish`: a prompt's draft or versions; served once a version is published, then released.
 * - `never`: the service is retired; no release of it will be served again.
 */
export type TakesEffect = 'now' | 'next release' | 'first publish' | 'prompt publish' | 'never';

export interface WhenServed {
  live: boolean;
  takesEffect: TakesEffect;
}

export const servedNow: WhenServed = { live: true, takesEffect: 'now' };

/**
 * The service fields a release freezes (ADR 0005, 0018), as `PATCH /services/:id` names them; the rest
 * (visibility, tags, limits, capture) are standing settings. `releases/routes.test.ts` checks this against the
 * release config (`service` and the REST settings sent with the service), so a field added there cannot be
 * reported as live by mistake.
 */
export const releasedServiceFields = ['name', 'description', 'directModels', 'hosts', 'keyLocations', 'cors'] as const;

/** An edit of what a release freezes: the service's name or description, APIs, model routes, OpenAPI document, published prompts. */
export function workingCopyEdit(service: Pick<ServiceRow, 'lifecycle'>): WhenServed {
  if (service.lifecycle === 'draft') return { live: false, takesEffect: 'first publish' };
  if (service.lifecycle === 'retired') return { live: false, takesEffect: 'never' };
  return { live: false, takesEffect: 'next release' };
}

/** An edit of a prompt's draft or versions, or of a prompt with no published version: not in the working copy yet. */
export function promptWorkEdit(service: Pick<ServiceRow, 'lifecycle'>): WhenServed {
  if (service.lifecycle === 'retired') return { live: false, takesEffect: 'never' };
  return { live: false, takesEffect: 'prompt publish' };
}
