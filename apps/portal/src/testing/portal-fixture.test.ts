import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryLimiter } from '@tollgate/limiter';
import { createPortalFixture } from './portal-fixture';

describe('portal fixture', () => {
  afterEach(() => vi.restoreAllMocks());

  it('closes the app’s sign-in limiter, so no test leaves its sweep timer behind', async () => {
    const f = await createPortalFixture();
    const close = vi.spyOn(MemoryLimiter.prototype, 'close');
    f.close();
    expect(close).toHaveBeenCalledTimes(1);
  });
});
