import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'hono';
import type { GatewayEnv } from '../env';

/** The raw socket of a request that arrived on the Node server's `upgrade` event, for the REST handler to take over. */
export interface PendingUpgrade {
  socket: Duplex;
  head: Buffer;
  /** Set once the tunnel is up: the hook then writes nothing itself. */
  taken: boolean;
  /** The open tunnels of the server it arrived on, which a stopping server ends. */
  tunnels: Set<Duplex>;
}

const pending = new WeakMap<IncomingMessage, PendingUpgrade>();

export const registerUpgrade = (req: IncomingMessage, upgrade: PendingUpgrade) => pending.set(req, upgrade);

export function pendingUpgradeOf(c: Context<GatewayEnv>): PendingUpgrade | undefined {
  const incoming = c.env?.incoming as IncomingMessage | undefined;
  return incoming ? pending.get(incoming) : undefined;
}

export function isWebSocketUpgrade(c: Context<GatewayEnv>): boolean {
  const upgrade = pendingUpgradeOf(c);
  return upgrade !== undefined && /(^|,)\s*websocket\s*(,|$)/i.test(String(c.env?.incoming?.headers.upgrade ?? ''));
}
