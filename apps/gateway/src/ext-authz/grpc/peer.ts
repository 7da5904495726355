import { isIP } from 'node:net';

/**
 * The IP address in a gRPC peer string, or undefined when it names none (a Unix socket, `unknown`). Accepts
 * the C-core form (`ipv4:1.2.3.4:5678`, `ipv6:[::1]:5678`) and @grpc/grpc-js's own (`1.2.3.4:5678`,
 * `::1:5678`, unbracketed). An IPv4 peer on a dual-stack socket (`::ffff:1.2.3.4`) is given as plain IPv4,
 * as the HTTP server's peer is, so one TOLLGATE_TRUSTED_PROXIES entry matches both.
 */
export function peerIp(peer: string): string | undefined {
  let rest = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(rest);
  if (bracketed) rest = bracketed[1]!;
  else if (!isIP(rest)) rest = rest.replace(/:\d+$/, '');
  rest = rest.replace(/%.*$/, '');
  if (!isIP(rest)) return undefined;
  return rest.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
}
