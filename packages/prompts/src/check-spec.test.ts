import { describe, expect, it } from 'vitest';
import { checkPromptSpec } from './check-spec';
import { compilePrompt, InvalidPromptSpecError } from './compile';
import { blogPostSpec, structuredSpec } from './test-specs';

const issuesOf = (input: unknown) => {
  const r = checkPromptSpec(input);
  if (r.ok) throw new Error('expected the spec to be refused');
  return r.issues;
};

describe('checkPromptSpec: valid specs', () => {
  it('accepts a template with typed variables and normalises spaced placeholders', () => {
    const r = checkPromptSpec(blogPostSpec());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.messages[1]!.content).toBe('Write about {{topic}} in at most {{words}} words.');
    expect(r.spec.model).toBe('writer-large');
  });

  it('accepts an output schema, null output schema, n=1 and OpenAPI-style annotations', () => {
    expect(checkPromptSpec(structuredSpec()).ok).toBe(true);
    const spec = { ...blogPostSpec(), outputSchema: null, parameters: { n: 1, top_p: 0.9 } };
    (spec.variables.properties as Record<string, Record<string, unknown>>).topic!.example = 'caching';
    expect(checkPromptSpec(spec).ok).toBe(true);
    const declared = { ...structuredSpec(), outputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array' } };
    expect(checkPromptSpec(declared).ok).toBe(true);
  });

  it('accepts declared variables that no message uses', () => {
    const spec = blogPostSpec();
    spec.messages = [{ role: 'user', content: 'No placeholders here.' }];
    expect(checkPromptSpec(spec).ok).toBe(true);
  });
});

describe('checkPromptSpec: structure', () => {
  it('refuses non-objects and missing fields with the field path', () => {
    expect(issuesOf('nope')[0]!.path).toBe('');
    const paths = issuesOf({ messages: [], variables: { type: 'object' } }).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['messages', 'model']));
  });

  it('names the exact message field that is wrong', () => {
    const issues = issuesOf({ ...blogPostSpec(), messages: [{ role: 'user', content: 'ok' }, { role: 'bot', content: 7 }] });
    expect(issues.map((i) => i.path)).toEqual(['messages.1.role', 'messages.1.content']);
    expect(issues[0]!.message).toMatch(/system.*user.*assistant/);
  });

  it('refuses more than 50 messages and empty content', () => {
    const many = Array.from({ length: 51 }, () => ({ role: 'user' as const, content: 'x' }));
    expect(issuesOf({ ...blogPostSpec(), messages: many }).map((i) => i.path)).toEqual(['messages']);
    expect(issuesOf({ ...blogPostSpec(), messages: [{ role: 'user', content: '' }] }).map((i) => i.path)).toEqual(['messages.0.content']);
  });

  it('refuses unknown top-level and message keys, and still reports the other issues', () => {
    const spec = { ...blogPostSpec(), extra: true, parameters: { stream: true } };
    spec.messages = [{ role: 'user', content: 'x', name: 'bob' } as never];
    expect(issuesOf(spec)).toEqual([
      { path: 'messages.0.name', message: 'is not a known field' },
      { path: 'extra', message: 'is not a known field' },
    ]);
    expect(issuesOf({ ...blogPostSpec(), extra: true, parameters: { stream: true } })).toEqual([
      { path: 'extra', message: 'is not a known field' },
      { path: 'parameters.stream', message: 'is set by the prompt engine and cannot be a parameter' },
    ]);
  });
});

describe('checkPromptSpec: variables schema', () => {
  it('requires type "object"', () => {
    const spec = { ...blogPostSpec(), messages: [{ role: 'user', content: 'x' }] };
    expect(issuesOf({ ...spec, variables: { type: 'string' } })).toEqual([{ path: 'variables.type', message: 'must be "object"' }]);
    expect(issuesOf({ ...spec, variables: { properties: {} } })).toEqual([{ path: 'variables.type', message: 'must be "object"' }]);
  });

  it('points into the schema at a keyword that is not valid JSON Schema', () => {
    const spec = blogPostSpec();
    spec.variables = { type: 'object', properties: { topic: { type: 'strin' }, n: { type: 'integer', minimum: 'low' } } };
    spec.messages = [{ role: 'user', content: 'x' }];
    expect(issuesOf(spec)).toEqual([
      { path: 'variables.properties.topic.type', message: 'must be one of array, boolean, integer, null, number, object, string' },
      { path: 'variables.properties.n.minimum', message: 'must be number' },
    ]);
  });

  it('refuses schemas that do not compile: unresolvable $ref, bad regex, other dialects', () => {
    const spec = blogPostSpec();
    spec.messages = [{ role: 'user', content: 'x' }];
    expect(issuesOf({ ...spec, variables: { type: 'object', properties: { a: { $ref: '#/$defs/none' } } } })[0]!.message).toMatch(/can't resolve reference/);
    expect(issuesOf({ ...spec, variables: { type: 'object', properties: { a: { type: 'string', pattern: '(' } } } })[0]!.message).toMatch(/Invalid regular expression/);
    expect(issuesOf({ ...spec, variables: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object' } })).toEqual([
      { path: 'variables.$schema', message: 'only JSON Schema 2020-12 (https://json-schema.org/draft/2020-12/schema) is supported' },
    ]);
  });

  it('refuses variable names that could never be placeholders', () => {
    const spec = blogPostSpec();
    spec.variables = { type: 'object', properties: { 'my-topic': { type: 'string' } } };
    spec.messages = [{ role: 'user', content: 'x' }];
    expect(issuesOf(spec).map((i) => i.path)).toEqual(['variables.properties.my-topic']);
  });

  it('refuses a default that breaks its own schema', () => {
    const spec = blogPostSpec();
    (spec.variables.properties as Record<string, Record<string, unknown>>).tone!.default = 'shouty';
    (spec.variables.properties as Record<string, Record<string, unknown>>).words!.default = 10;
    expect(issuesOf(spec)).toEqual([
      { path: 'variables.properties.tone.default', message: 'must be one of formal, casual' },
      { path: 'variables.properties.words.default', message: 'must be at least 50' },
    ]);
  });
});

describe('checkPromptSpec: placeholders', () => {
  it('names an undeclared placeholder at its message', () => {
    const spec = blogPostSpec();
    spec.messages[1]!.content = 'About {{topic}} for {{reader}} and {{reader}} again';
    expect(issuesOf(spec)).toEqual([{ path: 'messages.1.content', message: 'uses {{reader}}, which is not declared in variables.properties' }]);
  });

  it('refuses placeholder look-alikes with invalid names and leaves other braces alone', () => {
    const spec = blogPostSpec();
    spec.messages[0]!.content = 'Hi {{first name}} {{9lives}} {{' + 'a'.repeat(65) + '}}';
    spec.messages[1]!.content = 'JSON like {"a": {"b": 1}} and {{}} is fine; {{topic}}';
    const issues = issuesOf(spec);
    expect(issues.map((i) => i.path)).toEqual(['messages.0.content', 'messages.0.content', 'messages.0.content']);
    expect(issues[0]!.message).toMatch(/^\{\{first name\}\} is not a valid placeholder/);
    expect(issues[1]!.message).toMatch(/^\{\{9lives\}\}/);
  });
});

describe('checkPromptSpec: parameters and output schema', () => {
  it('names every engine-owned parameter', () => {
    const spec = { ...blogPostSpec(), parameters: { temperature: 1, messages: [], model: 'x', stream: false, response_format: {}, n: 3 } };
    expect(issuesOf(spec).map((i) => i.path)).toEqual([
      'parameters.messages',
      'parameters.model',
      'parameters.stream',
      'parameters.response_format',
      'parameters.n',
    ]);
  });

  it('refuses an output limit below 1 or not a whole number, which a prompt API caller could never fix', () => {
    const spec = (parameters: Record<string, unknown>) => ({ ...blogPostSpec(), parameters });
    expect(issuesOf(spec({ max_tokens: 0, max_completion_tokens: 2.5 }))).toEqual([
      { path: 'parameters.max_tokens', message: 'must be an integer of at least 1' },
      { path: 'parameters.max_completion_tokens', message: 'must be an integer of at least 1' },
    ]);
    expect(issuesOf(spec({ max_tokens: -3 })).map((i) => i.path)).toEqual(['parameters.max_tokens']);
    expect(checkPromptSpec(spec({ max_tokens: 1, max_completion_tokens: null })).ok).toBe(true);
  });

  it('points into an output schema that does not compile', () => {
    const spec = { ...structuredSpec(), outputSchema: { type: 'object', properties: { title: { type: 'text' } } } };
    expect(issuesOf(spec).map((i) => i.path)).toEqual(['outputSchema.properties.title.type']);
  });

  it('refuses an output schema that is not an object', () => {
    expect(issuesOf({ ...structuredSpec(), outputSchema: 'json' }).map((i) => i.path)).toEqual(['outputSchema']);
  });
});

describe('compilePrompt', () => {
  it('throws InvalidPromptSpecError carrying the issues for a spec checkPromptSpec refuses', () => {
    const spec = { ...blogPostSpec(), parameters: { stream: true } };
    expect(() => compilePrompt(spec)).toThrow(InvalidPromptSpecError);
    try {
      compilePrompt(spec);
    } catch (err) {
      expect((err as InvalidPromptSpecError).issues).toEqual([{ path: 'parameters.stream', message: 'is set by the prompt engine and cannot be a parameter' }]);
    }
  });

  it('keeps two prompts whose schemas share an $id apart', () => {
    const a = { ...structuredSpec(), variables: { $id: 'https://x/vars', type: 'object', properties: { text: { type: 'string' } } } };
    const b = { ...structuredSpec(), variables: { $id: 'https://x/vars', type: 'object', properties: { text: { type: 'integer' } } } };
    expect(compilePrompt(a).validateVariables({ text: 'hi' }).ok).toBe(true);
    expect(compilePrompt(b).validateVariables({ text: 'hi' }).ok).toBe(false);
  });
});
