import { describe, expect, it } from 'vitest';
import { compilePrompt, placeholders } from './compile';
import { blogPostSpec } from './test-specs';
import type { PromptSpec } from './types';

const blog = compilePrompt(blogPostSpec());
const valuesFor = (input: Record<string, unknown>) => {
  const r = blog.validateVariables(input);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.values;
};

describe('render', () => {
  it('replaces each placeholder, spaced or not, with its value', () => {
    expect(blog.render(valuesFor({ topic: 'edge caching', words: 500 }))).toEqual([
      { role: 'system', content: 'You write formal blog posts for developers.' },
      { role: 'user', content: 'Write about edge caching in at most 500 words.' },
    ]);
  });

  it('returns messages without placeholders unchanged (the same objects)', () => {
    const spec: PromptSpec = { ...blogPostSpec(), messages: [{ role: 'system', content: 'Be brief. {not a placeholder}' }, blogPostSpec().messages[1]!] };
    const prompt = compilePrompt(spec);
    const out = prompt.render(valuesFor({ topic: 'x'.repeat(5) }));
    expect(out[0]).toBe(prompt.spec.messages[0]);
    expect(out[1]).not.toBe(prompt.spec.messages[1]);
  });

  it.each([
    ['{{secret}}'],
    ['{{topic}}'],
    ['{{ tone }}'],
    ['}}{{'],
    ['{{audience}}{{words}}'],
    ['$& $1 $$ $`'],
  ])('keeps the value %s literal: inserted text is never scanned again', (value) => {
    const out = blog.render(valuesFor({ topic: 'safe topic', audience: value }));
    expect(out[0]!.content).toBe(`You write formal blog posts for ${value}.`);
    expect(out[1]!.content).toBe('Write about safe topic in at most 300 words.');
  });

  it('does not expand a placeholder that a value completes across the boundary', () => {
    const spec: PromptSpec = {
      ...blogPostSpec(),
      messages: [{ role: 'user', content: '{{a}}secret}} and {{b}}' }],
      variables: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' }, secret: { type: 'string' } } },
    };
    const prompt = compilePrompt(spec);
    expect(prompt.render({ a: '{{', b: 'B', secret: 'S3CR3T' })).toEqual([{ role: 'user', content: '{{secret}} and B' }]);
  });

  it('renders numbers and booleans with String, objects and arrays as JSON, absent optionals as nothing', () => {
    const spec: PromptSpec = {
      ...blogPostSpec(),
      messages: [{ role: 'user', content: 'n={{n}} b={{b}} o={{o}} a={{a}} z={{z}} null={{nul}}' }],
      variables: {
        type: 'object',
        properties: { n: { type: 'number' }, b: { type: 'boolean' }, o: { type: 'object' }, a: { type: 'array' }, z: { type: 'string' }, nul: { type: 'null' } },
      },
    };
    const prompt = compilePrompt(spec);
    const r = prompt.validateVariables({ n: 1.5, b: false, o: { k: 'v', deep: [1, '{{z}}'] }, a: [1, 'two'], nul: null });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(prompt.render(r.values)[0]!.content).toBe('n=1.5 b=false o={"k":"v","deep":[1,"{{z}}"]} a=[1,"two"] z= null=null');
  });

  it('does not read inherited properties as values', () => {
    const spec: PromptSpec = {
      ...blogPostSpec(),
      messages: [{ role: 'user', content: '[{{constructor}}]' }],
      variables: { type: 'object', properties: { constructor: { type: 'string' } } },
    };
    expect(compilePrompt(spec).render({})[0]!.content).toBe('[]');
  });
});

describe('placeholders', () => {
  it('lists names in order of first use across messages, once each', () => {
    const spec = blogPostSpec();
    spec.messages.push({ role: 'user', content: 'Again: {{topic}} {{tone}}' });
    expect(placeholders(spec)).toEqual(['tone', 'audience', 'topic', 'words']);
  });

  it('is empty for a template without placeholders', () => {
    expect(placeholders({ ...blogPostSpec(), messages: [{ role: 'user', content: 'Hello {{ }} {x}' }] })).toEqual([]);
  });
});
