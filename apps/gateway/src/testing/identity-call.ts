import { request } from 'undici';
import type { startTestGateway } from './gateway-harness';
import type { RestUpstreamServer } from './rest-upstream';

type Gateway = Awaited<ReturnType<typeof startTestGateway>>;

/**
 * One GET through a test gateway, for the identity tests: the answer, what the REST upstream saw (null when the
 * call never reached it), and a lookup of the call's record by its request id.
 */
export async function callAs(gateway: Gateway, node: RestUpstreamServer, path: string, headers: Record<string, string> = {}) {
  const before = node.requests.length;
  const res = await request(`${gateway.url}${path}`, { headers });
  const body = JSON.parse(await res.body.text()) as Record<string, any>;
  const seen = node.requests.length > before ? node.requests.at(-1)! : null;
  const record = async () => (await gateway.flushed()).find((r) => r.requestId === res.headers['x-request-id']);
  return { status: res.statusCode, body, seen, record, wwwAuthenticate: res.headers['www-authenticate'] };
}
