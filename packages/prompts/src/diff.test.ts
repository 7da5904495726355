import { describe, expect, it } from 'vitest';
import { diffPromptSpecs } from './diff';
import { blogPostSpec, structuredSpec } from './test-specs';

describe('diffPromptSpecs', () => {
  it('finds nothing between equal specs, even with keys in another order', () => {
    const a = blogPostSpec();
    const b = blogPostSpec();
    b.variables = { required: ['topic'], properties: b.variables.properties, type: 'object' };
    b.parameters = { max_tokens: 800, temperature: 0.4 };
    expect(diffPromptSpecs(a, b)).toEqual([]);
  });

  it('reports each changed field at its path, in a stable order', () => {
    const from = blogPostSpec();
    const to = blogPostSpec();
    to.messages[0]!.content = 'You write short posts.';
    to.messages.push({ role: 'assistant', content: 'Sure.' });
    const props = to.variables.properties as Record<string, unknown>;
    props.topic = { type: 'string', maxLength: 100 };
    delete props.words;
    props.lang = { type: 'string' };
    to.variables.required = ['topic', 'lang'];
    to.model = 'writer-small';
    to.parameters = { temperature: 0.9, seed: 1 };
    to.outputSchema = { type: 'object' };

    expect(diffPromptSpecs(from, to)).toEqual([
      { path: 'messages[0].content', change: 'changed', before: 'You write {{tone}} blog posts for {{audience}}.', after: 'You write short posts.' },
      { path: 'messages[2]', change: 'added', after: { role: 'assistant', content: 'Sure.' } },
      { path: 'variables.properties.topic', change: 'changed', before: { type: 'string', minLength: 3, maxLength: 200 }, after: { type: 'string', maxLength: 100 } },
      { path: 'variables.properties.words', change: 'removed', before: { type: 'integer', minimum: 50, maximum: 2000, default: 300 } },
      { path: 'variables.properties.lang', change: 'added', after: { type: 'string' } },
      { path: 'variables.required', change: 'changed', before: ['topic'], after: ['topic', 'lang'] },
      { path: 'model', change: 'changed', before: 'writer-large', after: 'writer-small' },
      { path: 'parameters.temperature', change: 'changed', before: 0.4, after: 0.9 },
      { path: 'parameters.max_tokens', change: 'removed', before: 800 },
      { path: 'parameters.seed', change: 'added', after: 1 },
      { path: 'outputSchema', change: 'added', after: { type: 'object' } },
    ]);
  });

  it('reports removed messages and role changes, and treats a null output schema as none', () => {
    const from = structuredSpec();
    const to = { ...structuredSpec(), messages: [{ role: 'system' as const, content: from.messages[0]!.content }], outputSchema: null };
    from.messages.push({ role: 'user', content: 'More.' });
    expect(diffPromptSpecs(from, to)).toEqual([
      { path: 'messages[0].role', change: 'changed', before: 'user', after: 'system' },
      { path: 'messages[1]', change: 'removed', before: { role: 'user', content: 'More.' } },
      { path: 'outputSchema', change: 'removed', before: structuredSpec().outputSchema },
    ]);
    expect(diffPromptSpecs({ ...from, outputSchema: null }, { ...from, outputSchema: undefined })).toEqual([]);
  });

  it('treats array order as meaningful', () => {
    const from = blogPostSpec();
    const to = blogPostSpec();
    (to.variables.properties as Record<string, Record<string, unknown>>).tone!.enum = ['casual', 'formal'];
    expect(diffPromptSpecs(from, to).map((c) => c.path)).toEqual(['variables.properties.tone']);
  });
});
