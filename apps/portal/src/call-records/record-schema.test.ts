import { describe, expect, it } from 'vitest';
import { blankCallRecord, MAX_TOKENS_PER_CALL } from '@tollgate/domain';
import { callRecordSchema } from './record-schema';

// Whichever gateway sent it (an older one, or one with a bug), the portal stores no token count one call cannot
// have: zod's `.int()` alone takes 1e308, which then exhausted plans and filled analytics (issue 16 item 2).
const record = (patch: object) => ({ ...blankCallRecord('rec_1', 'req_1', 'POST', '/v1/chat/completions'), status: 200, ...patch });
const problem = (patch: object) => {
  const parsed = callRecordSchema.safeParse(record(patch));
  return parsed.success ? null : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
};

describe('a call record a gateway sends', () => {
  it('is refused, naming the field, when a token count is 1e308, negative, or over the per-call bound', () => {
    expect(problem({ outputTokens: 1e308 })).toMatch(/outputTokens: /);
    expect(problem({ inputTokens: -5 })).toMatch(/^inputTokens: /);
    expect(problem({ reasoningTokens: MAX_TOKENS_PER_CALL + 1 })).toMatch(/reasoningTokens: must be at most 10000000 tokens per call/);
  });

  it('is refused when its parts add up to more than one call may use', () => {
    const half = MAX_TOKENS_PER_CALL / 2 + 1;
    expect(problem({ inputTokens: half, outputTokens: half })).toMatch(/^tokens: the token counts add up to more than/);
  });

  it('is taken with sane counts, and without usageProblem from an older gateway (the provider counted)', () => {
    expect(problem({ inputTokens: 9, outputTokens: 11, usageProblem: 'usage_invalid' })).toBeNull();
    const { usageProblem: _, ...older } = record({ inputTokens: 9 });
    expect(callRecordSchema.parse(older).usageProblem).toBeNull();
  });
});
