import { describe, expect, it } from 'vitest';
import * as providers from './index';

describe('@tollgate/providers', () => {
  it('exports its public API', () => {
    expect(Object.keys(providers).sort()).toEqual([
      'DEFAULT_MODEL_PRICES',
      'costMicroUsd',
      'createSseParser',
      'findModelPrice',
      'formatSseData',
      'normalizeOpenAiUsage',
      'startMockOpenAi',
    ]);
  });
});
