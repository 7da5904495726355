import type { MeshOptions } from './options';
import type { K8sObject } from './model';

/**
 * The access-log half of the authorizer mode (ADR 0036): Envoy's gRPC access log service (Istio's
 * `envoyHttpAls` provider) sends Tollgate an entry for every call the ingress served, and the gateway completes
 * the check's record from it (the real status, latency and bytes). These objects are the same for every
 * service, so generating them for several services and applying them all is harmless: same names, same content.
 */

/** Not per service: one Telemetry and one DestinationRule serve every Tollgate service on the ingress. */
const sharedLabels = { 'app.kubernetes.io/managed-by': 'tollgate' };

/** What the gateway reads from each entry besides the request id: the app its check set (unchecked calls have none). */
export const loggedRequestHeaders = ['x-tollgate-app'];

/** The meshConfig entry: where the ingress streams its access log, and the headers it adds to each entry. */
export function accessLogProvider(options: MeshOptions) {
  return {
    name: options.accessLogProvider,
    envoyHttpAls: {
      service: options.tollgateService,
      port: options.accessLogPort,
      logName: 'tollgate',
      additionalRequestHeadersToLog: loggedRequestHeaders,
    },
  };
}

/**
 * The Telemetry object that turns the provider on for the ingress pods, and the DestinationRule that keeps one
 * ingress pod's checks and access log on one gateway pod: a check's record waits in the gateway that answered
 * it, so its entry must reach the same process (hashing on the ingress pod's address does that while the
 * gateway pods stay the same; a scale event misses the completions of the calls in flight, and says so).
 */
export function accessLogObjects(options: MeshOptions, notes: string[]): K8sObject[] {
  if (options.authzPort === options.tollgatePort) {
    notes.push(`The HTTP check shares port ${options.authzPort} with proxied calls, so the ingress's proxied calls to the gateway are pinned per ingress pod too: prefer authorizer=grpc, whose checks and log share port ${options.accessLogPort}.`);
  }
  notes.push(
    `The Telemetry object replaces the ingress's access-log providers: if it also logs elsewhere (the default envoy provider, say), add those providers beside ${options.accessLogProvider}.`,
    'Run the gateway with TOLLGATE_EXT_AUTHZ_GRPC_PORT (the access log service listens there) and TOLLGATE_EXT_AUTHZ_ACCESS_LOG_WAIT_MS above your longest call, streams included.',
  );
  return [
    {
      apiVersion: 'telemetry.istio.io/v1alpha1',
      kind: 'Telemetry',
      metadata: { name: 'tollgate-access-log', namespace: options.gateway.namespace, labels: sharedLabels },
      spec: {
        selector: { matchLabels: options.gatewaySelector },
        accessLogging: [{ providers: [{ name: options.accessLogProvider }] }],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1beta1',
      kind: 'DestinationRule',
      metadata: { name: 'tollgate-gateway-affinity', namespace: options.gateway.namespace, labels: sharedLabels },
      spec: {
        host: options.tollgateService,
        // Only for the ingress's own calls to the gateway (checks and the log stream), not the whole mesh's.
        exportTo: ['.'],
        // On the check and log ports only: proxied calls through the same Service keep their normal balancing.
        trafficPolicy: { portLevelSettings: [...new Set([options.authzPort, options.accessLogPort])].map((number) => ({ port: { number }, loadBalancer: { consistentHash: { useSourceIp: true } } })) },
      },
    },
  ];
}
