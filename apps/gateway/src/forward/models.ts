import type { Context } from 'hono';
import type { GatewayEnv } from '../env';
import { GatewayError } from '../errors';

interface ModelEntry {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/**
 * `/v1/models`: the public model names this caller may use right now — those of services it holds an
 * approved subscription to, and that still answer (not retired). Served from the snapshot, like everything:
 * `created` is when the live release serving the model was made, `owned_by` the publishing team's slug.
 */
function modelsFor(c: Context<GatewayEnv>): Map<string, ModelEntry> {
  const config = c.get('config');
  const models = new Map<string, ModelEntry>();
  for (const sub of config.subscriptionsByApp.get(c.get('app').id)?.values() ?? []) {
    if (sub.state !== 'approved') continue;
    const service = config.services.get(sub.serviceId);
    if (!service || service.lifecycle === 'draft' || service.lifecycle === 'retired') continue;
    for (const route of config.modelRoutesByService.get(service.id) ?? []) {
      if (!models.has(route.name)) {
        models.set(route.name, { id: route.name, object: 'model', created: Math.floor((service.releasedAt ?? 0) / 1_000), owned_by: service.teamSlug });
      }
    }
  }
  return models;
}

export function listModelsHandler(c: Context<GatewayEnv>) {
  const data = [...modelsFor(c).values()].sort((a, b) => a.id.localeCompare(b.id));
  return c.json({ object: 'list', data }, 200, { 'x-request-id': c.get('requestId') });
}

export function retrieveModelHandler(c: Context<GatewayEnv>) {
  // Model names may contain slashes (`vendor/model`), so the id is everything after /v1/models/.
  const raw = c.req.path.slice('/v1/models/'.length);
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    // Malformed percent-encoding names no model anyone has.
    id = raw;
  }
  const model = modelsFor(c).get(id);
  if (!model) throw new GatewayError(404, 'invalid_request_error', 'model_not_found', `The model '${id}' does not exist or you do not have access to it.`, 'model');
  return c.json(model, 200, { 'x-request-id': c.get('requestId') });
}
