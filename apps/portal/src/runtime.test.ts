import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLimiter } from '@tollgate/limiter';
import { parsePortalConfig } from './config';
import { createPortalRuntime } from './runtime';

describe('portal runtime', () => {
  const dirs: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('takes the body limit from the environment and closes the sign-in limiter with everything else', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-runtime-'));
    dirs.push(dir);
    const config = parsePortalConfig({ TOLLGATE_DATA_DIR: dir, TOLLGATE_PORTAL_MAX_BODY_BYTES: '4096' });
    expect(config.maxBodyBytes).toBe(4096);
    const runtime = await createPortalRuntime(config, pino({ level: 'silent' }));
    const res = await runtime.app.request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@b', password: 'x'.repeat(5000) }),
    });
    expect(res.status).toBe(413);

    const close = vi.spyOn(MemoryLimiter.prototype, 'close');
    await runtime.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
