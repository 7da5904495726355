import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { trustedProxies } from '../../identity/trusted-proxies';
import { startExtAuthzGrpcServer } from './server';

describe('the ext_authz gRPC server', () => {
  it('turns Nagle off on the connections it accepts, without a warning: grpc-js still has the field it relies on', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const server = startExtAuthzGrpcServer({
      pipeline: () => Promise.reject(new Error('no check is sent here')),
      trustedProxies: trustedProxies(['127.0.0.1'], null),
      onAccessLogs: () => {},
      logger,
      hostname: '127.0.0.1',
      port: 0,
    });
    const port = await server.listening;
    expect(warnings).toEqual([]);
    // A plain TCP connection is accepted by the http2 server: the listener the hook added runs without throwing.
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.destroy();
    await server.drain(1_000);
  });
});
