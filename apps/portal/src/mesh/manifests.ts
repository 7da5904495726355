import { badRequest, conflict } from '../http/errors';
import { gatewayApiAuthorizer, gatewayApiProxy } from './gateway-api';
import { istioAuthorizer, istioProxy } from './istio';
import { servedSplit, type MeshManifests, type MeshService } from './model';
import { resolveOptions, type MeshMode, type MeshQuery } from './options';

/**
 * The mesh objects that wire one published service up (ADR 0031), for Istio or Gateway API, in one of two
 * shapes. In `authorizer` mode (REST only) the ingress routes to the upstreams itself, by the service's
 * hosts, APIs and traffic policy, and asks Tollgate's ext_authz service about each call. In `proxy` mode the
 * ingress sends the hosts to the Tollgate gateway, which does the rest; it is the only mode for an AI service,
 * whose calls the gateway must translate and meter by tokens.
 */
export function buildMeshManifests(service: MeshService, query: MeshQuery): MeshManifests {
  const mode: MeshMode = query.mode ?? (service.kind === 'rest' ? 'authorizer' : 'proxy');
  const options = resolveOptions(query, mode);
  const notes: string[] = [];
  if (mode === 'authorizer') {
    if (service.kind !== 'rest' || !service.rest) {
      throw badRequest(`mode: an AI service is served by the Tollgate gateway itself (it translates each call for its provider and meters tokens), so only mode=proxy applies to it.`, 'invalid_query');
    }
    if (query.host) throw badRequest('host: only mode=proxy takes extra hosts; in authorizer mode the check finds the service by its own hosts.', 'invalid_query');
    const rest = service.rest;
    if (!rest.hosts.length) {
      throw conflict('The live release has no hosts: in authorizer mode Tollgate finds the service of each check by its Host. Add hosts (PATCH the service) and release them, or use mode=proxy with host=.');
    }
    if (!servedSplit(rest).some((s) => s.upstream.nodes.some((n) => n.weight > 0))) throw conflict('The live release has no upstream nodes to route to: add an upstream (PUT …/upstreams/default) and release it.');
    if (!service.apis.length) throw conflict('The live release has no APIs: the mesh would route nothing. Add APIs and release them.');
    for (const [upstream, header] of Object.entries(service.upstreamCredentials ?? {})) {
      notes.push(`The gateway adds upstream ${upstream}'s credential header ${header}; a manifest holds no secrets, so the mesh sends calls without it (add it from a Secret, or have the upstream trust the mesh identity).`);
    }
    const built = query.target === 'istio' ? istioAuthorizer(service, rest, options, notes) : gatewayApiAuthorizer(service, rest, options, notes);
    return { target: query.target, mode, ...built, notes: [...new Set(notes)] };
  }
  const hosts = [...new Set([...(service.rest?.hosts ?? []), ...(query.host ? [query.host] : [])])];
  if (!hosts.length) throw badRequest('host: the service has no hosts of its own; name the host the mesh serves it on (host=api.example.com).', 'invalid_query');
  if (query.host && !service.rest?.hosts.includes(query.host)) {
    notes.push(service.kind === 'rest' ? `On ${query.host} the gateway finds the service by its slug: /${service.slug}/…` : `On ${query.host} consumers call the gateway's AI API (/v1/…) with their key.`);
  }
  const built = query.target === 'istio' ? istioProxy(service, hosts, options) : gatewayApiProxy(service, hosts, options, notes);
  return { target: query.target, mode, ...built, notes: [...new Set(notes)] };
}
