import { describe, expect, it } from 'vitest';
import { peerIp } from './peer';

describe('peerIp', () => {
  it.each([
    ['ipv4:10.1.2.3:51234', '10.1.2.3'],
    ['ipv6:[fd00::7]:51234', 'fd00::7'],
    ['ipv6:[::ffff:127.0.0.1]:80', '127.0.0.1'],
    ['127.0.0.1:40000', '127.0.0.1'],
    ['::1:40000', '::1'],
    ['::ffff:10.0.0.9:40000', '10.0.0.9'],
    ['[fe80::1%eth0]:9', 'fe80::1'],
    ['10.0.0.1', '10.0.0.1'],
  ])('%s → %s', (peer, ip) => expect(peerIp(peer)).toBe(ip));

  it.each(['unix:/run/envoy.sock', 'unknown', '', 'ipv4:not-an-ip:80'])('%s names no IP', (peer) => expect(peerIp(peer)).toBeUndefined());
});
