import type { SecureContext } from 'node:tls';
import { buildConnector } from 'undici';
import type { SnapshotRestService } from '@tollgate/domain';
import { nodeTarget } from './node-target';
import { upstreamSecureContext, type UpstreamTls } from './upstream-tls';

/**
 * undici takes a connect timeout per dispatcher, not per request, and the gateway shares one keep-alive Agent
 * for every upstream. Connections are opened per origin, so the connector looks up the timeout of the
 * origin it is asked to reach: the REST upstreams' `timeouts.connectMs` by node origin (the shortest when two
 * upstreams share a node), undici's default for everything else (AI providers).
 *
 * Every connector also carries the gateway's upstream TLS settings (ADR 0037), for every origin alike. Offering
 * the client certificate to every TLS upstream is harmless: TLS sends it only to a server that asks for one (a
 * CertificateRequest, as an Istio ingress with `tls.mode: MUTUAL` sends), so public AI providers never see it.
 */
export class ConnectTimeouts {
  #byOrigin = new Map<string, number>();
  readonly #connectors = new Map<number, buildConnector.connector>();
  #installed: readonly SnapshotRestService[] | null = null;
  readonly #tls: { secureContext?: SecureContext };
  /** The same TLS settings for connections the Agent does not open (a WebSocket upgrade's own request). */
  readonly secureContext: SecureContext | undefined;

  constructor(tls?: UpstreamTls) {
    this.secureContext = upstreamSecureContext(tls) ?? undefined;
    this.#tls = this.secureContext ? { secureContext: this.secureContext } : {};
  }

  install(services: readonly SnapshotRestService[]): void {
    if (services === this.#installed) return;
    this.#installed = services;
    const next = new Map<string, number>();
    for (const service of services) {
      for (const upstream of service.upstreams) {
        for (const node of upstream.nodes) {
          const { origin } = nodeTarget(node.url);
          const ms = upstream.timeouts.connectMs;
          if (ms > 0) next.set(origin, Math.min(ms, next.get(origin) ?? Infinity));
        }
      }
    }
    this.#byOrigin = next;
  }

  /** The connect timeout for an origin (`http://host:port`): the REST nodes' own, else null (undici's default). */
  timeoutFor(origin: string): number | null {
    return this.#byOrigin.get(origin) ?? null;
  }

  #connectorFor(timeout: number | null): buildConnector.connector {
    const key = timeout ?? -1;
    let connector = this.#connectors.get(key);
    if (!connector) this.#connectors.set(key, (connector = buildConnector(timeout === null ? { ...this.#tls } : { ...this.#tls, timeout })));
    return connector;
  }

  /** For `new Agent({ connect })`. */
  readonly connect: buildConnector.connector = (options, callback) => {
    const timeout = this.timeoutFor(`${options.protocol}//${options.host ?? options.hostname}`);
    this.#connectorFor(timeout)(options, callback);
  };
}
