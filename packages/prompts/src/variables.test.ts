import { describe, expect, it } from 'vitest';
import { compilePrompt } from './compile';
import { promptLimits } from './limits';
import { blogPostSpec } from './test-specs';
import type { PromptSpec } from './types';
import { describeVariableIssues } from './variables';

const blog = compilePrompt(blogPostSpec());
const issuesOf = (input: unknown, prompt = blog) => {
  const r = prompt.validateVariables(input);
  if (r.ok) throw new Error('expected the variables to be refused');
  return r.issues;
};

describe('validateVariables', () => {
  it('applies defaults without touching the caller\'s object', () => {
    const input = { topic: 'edge caching' };
    const r = blog.validateVariables(input);
    expect(r).toEqual({ ok: true, values: { topic: 'edge caching', tone: 'formal', audience: 'developers', words: 300 } });
    expect(input).toEqual({ topic: 'edge caching' });
  });

  it('names each missing, out-of-range and wrongly typed variable in one answer', () => {
    expect(issuesOf({ tone: 'shouty', words: 10_000 })).toEqual([
      { variable: 'topic', message: 'is required' },
      { variable: 'tone', message: 'must be one of formal, casual' },
      { variable: 'words', message: 'must be at most 2000' },
    ]);
    expect(issuesOf({ topic: 'ab', words: 60.5, audience: 3 })).toEqual([
      { variable: 'topic', message: 'must be at least 3 characters' },
      { variable: 'audience', message: 'must be a string' },
      { variable: 'words', message: 'must be an integer' },
    ]);
  });

  it('does not coerce types: "300" is not an integer and 1 is not a string', () => {
    expect(issuesOf({ topic: 'caching', words: '300' })).toEqual([{ variable: 'words', message: 'must be an integer' }]);
    expect(issuesOf({ topic: 1 })).toEqual([{ variable: 'topic', message: 'must be a string' }]);
  });

  it('reports maxLength in readable words', () => {
    expect(describeVariableIssues(issuesOf({ topic: 'x'.repeat(201), tone: 'loud' }))).toBe(
      'topic: must be at most 200 characters; tone: must be one of formal, casual',
    );
  });

  it('refuses unknown variables alongside the other issues', () => {
    expect(issuesOf({ topc: 'typo' })).toEqual([
      { variable: 'topc', message: 'is not a declared variable' },
      { variable: 'topic', message: 'is required' },
    ]);
  });

  it('accepts unknown variables when the schema opens itself with additionalProperties', () => {
    const open = compilePrompt({ ...blogPostSpec(), variables: { ...blogPostSpec().variables, additionalProperties: { type: 'string' } } });
    expect(open.validateVariables({ topic: 'caching', extra: 'fine' }).ok).toBe(true);
    expect(issuesOf({ topic: 'caching', extra: 5 }, open)).toEqual([{ variable: 'extra', message: 'must be a string' }]);
  });

  it('refuses a non-object, and treats an absent variables object as {}', () => {
    expect(issuesOf(['caching'])).toEqual([{ variable: '', message: 'variables must be a JSON object' }]);
    expect(issuesOf(null)).toEqual([{ variable: '', message: 'variables must be a JSON object' }]);
    expect(issuesOf(undefined)).toEqual([{ variable: 'topic', message: 'is required' }]);
  });

  it('caps every string at maxStringVariableChars even when the schema sets no maxLength', () => {
    const max = promptLimits.maxStringVariableChars;
    expect(blog.validateVariables({ topic: 'caching', audience: 'a'.repeat(max) }).ok).toBe(true);
    expect(issuesOf({ topic: 'caching', audience: 'a'.repeat(max + 1) })).toEqual([
      { variable: 'audience', message: `must be at most ${max} characters` },
    ]);
  });

  it('counts characters as code points, like maxLength does', () => {
    const small = compilePrompt(blogPostSpec(), { maxStringVariableChars: 4 });
    expect(small.validateVariables({ topic: '😀😀😀😀' }).ok).toBe(true);
    expect(issuesOf({ topic: '😀😀😀😀😀' }, small)).toEqual([{ variable: 'topic', message: 'must be at most 4 characters' }]);
  });

  it('caps strings nested inside object and array variables, and does not run the schema on them', () => {
    const spec: PromptSpec = {
      ...blogPostSpec(),
      messages: [{ role: 'user', content: 'Review {{doc}}' }],
      variables: {
        type: 'object',
        properties: { doc: { type: 'object', properties: { pages: { type: 'array', items: { type: 'string', pattern: '^(a+)+$' } } } } },
      },
    };
    const prompt = compilePrompt(spec, { maxStringVariableChars: 100 });
    // A catastrophic pattern on a long string would hang here if the cap ran after the schema.
    expect(issuesOf({ doc: { pages: ['ok', `${'a'.repeat(101)}!`] } }, prompt)).toEqual([{ variable: 'doc', message: 'must be at most 100 characters' }]);
    expect(issuesOf({ doc: { pages: ['aab', 7] } }, prompt)).toEqual([
      { variable: 'doc', message: 'pages[0] must match the pattern ^(a+)+$' },
      { variable: 'doc', message: 'pages[1] must be a string' },
    ]);
  });

  it('refuses variables over maxRequestBytes before anything else', () => {
    const prompt = compilePrompt(blogPostSpec(), { maxRequestBytes: 1000 });
    const issues = issuesOf({ topic: 'é'.repeat(495), other: 1 }, prompt);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.variable).toBe('');
    expect(issues[0]!.message).toMatch(/^variables must be at most 1000 bytes of JSON \(got 1\d{3}\)$/);
    expect(prompt.validateVariables({ topic: 'caching', audience: 'é'.repeat(470) }).ok).toBe(true);
  });

  it('uses 256 KiB as the default request cap', () => {
    expect(promptLimits.maxRequestBytes).toBe(262_144);
    const wide = compilePrompt({ ...blogPostSpec(), variables: { type: 'object', additionalProperties: true } , messages: [{ role: 'user', content: 'x' }] });
    const parts = Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`p${i}`, 'x'.repeat(19_000)]));
    expect(issuesOf(parts, wide)[0]!.message).toMatch(/at most 262144 bytes/);
    expect(wide.validateVariables(Object.fromEntries(Object.entries(parts).slice(0, 13))).ok).toBe(true);
  });

  it('checks the common string formats', () => {
    const spec: PromptSpec = {
      ...blogPostSpec(),
      messages: [{ role: 'user', content: 'Mail {{to}} on {{day}}' }],
      variables: { type: 'object', properties: { to: { type: 'string', format: 'email' }, day: { type: 'string', format: 'date' } } },
    };
    const prompt = compilePrompt(spec);
    expect(prompt.validateVariables({ to: 'ann@example.com', day: '2026-11-22' }).ok).toBe(true);
    expect(issuesOf({ to: 'ann', day: 'tomorrow' }, prompt)).toEqual([
      { variable: 'to', message: 'must be a valid email' },
      { variable: 'day', message: 'must be a valid date' },
    ]);
  });

  it('describes nested object issues with the field inside the variable', () => {
    const spec: PromptSpec = {
      ...blogPostSpec(),
      messages: [{ role: 'user', content: 'Ship to {{address}}' }],
      variables: {
        type: 'object',
        properties: { address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false } },
        required: ['address'],
      },
    };
    expect(issuesOf({ address: { town: 'Oslo' } }, compilePrompt(spec))).toEqual([
      { variable: 'address', message: 'city is required' },
      { variable: 'address', message: 'town is not allowed' },
    ]);
  });
});
