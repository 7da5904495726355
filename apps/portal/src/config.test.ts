import { describe, expect, it } from 'vitest';
import { parsePortalConfig } from './config';

describe('portal config', () => {
  it('limits request bodies to 1 MiB unless TOLLGATE_PORTAL_MAX_BODY_BYTES says otherwise', () => {
    expect(parsePortalConfig({}).maxBodyBytes).toBe(1024 * 1024);
    expect(parsePortalConfig({ TOLLGATE_PORTAL_MAX_BODY_BYTES: '65536' }).maxBodyBytes).toBe(65_536);
    for (const bad of ['0', '-1', '1.5', 'lots']) {
      expect(() => parsePortalConfig({ TOLLGATE_PORTAL_MAX_BODY_BYTES: bad }), bad).toThrow(/TOLLGATE_PORTAL_MAX_BODY_BYTES/);
    }
  });
});
