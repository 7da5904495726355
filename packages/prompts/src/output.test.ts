import { describe, expect, it } from 'vitest';
import { compilePrompt } from './compile';
import { blogPostSpec, structuredSpec } from './test-specs';

const structured = compilePrompt(structuredSpec());
const good = { title: 'Caching', points: [{ text: 'TTLs matter' }] };

describe('parseOutput with an output schema', () => {
  it('parses JSON, with surrounding whitespace or one ```json fence', () => {
    expect(structured.parseOutput(JSON.stringify(good))).toEqual({ ok: true, value: good });
    expect(structured.parseOutput(`\n  ${JSON.stringify(good)}  \n`)).toEqual({ ok: true, value: good });
    expect(structured.parseOutput(`\`\`\`json\n${JSON.stringify(good, null, 2)}\n\`\`\``)).toEqual({ ok: true, value: good });
    expect(structured.parseOutput(` \`\`\`\n${JSON.stringify(good)}\n\`\`\`\n`)).toEqual({ ok: true, value: good });
  });

  it('does not dig JSON out of prose or a second fence', () => {
    const prose = structured.parseOutput(`Here you go:\n\`\`\`json\n${JSON.stringify(good)}\n\`\`\``);
    expect(prose.ok).toBe(false);
    const two = structured.parseOutput(`\`\`\`json\n{}\n\`\`\`\n\`\`\`json\n${JSON.stringify(good)}\n\`\`\``);
    expect(two.ok).toBe(false);
  });

  it('reports invalid JSON as such', () => {
    const r = structured.parseOutput('{"title": "Caching", ');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatch(/^output is not valid JSON: /);
  });

  it('names the JSON pointer of each schema mismatch', () => {
    const r = structured.parseOutput(JSON.stringify({ title: 7, points: [{ text: 'a' }, { txt: 'b' }] }));
    expect(r).toEqual({ ok: false, error: 'output does not match the output schema: /title: must be a string; /points/1/text: is required' });
    expect(structured.parseOutput('[]')).toEqual({ ok: false, error: 'output does not match the output schema: (root): must be an object' });
  });

  it('escapes pointer segments as RFC 6901 says', () => {
    const prompt = compilePrompt({ ...structuredSpec(), outputSchema: { type: 'object', properties: { 'a/b~c': { type: 'number' } } } });
    expect(prompt.parseOutput('{"a/b~c": "x"}')).toEqual({ ok: false, error: 'output does not match the output schema: /a~1b~0c: must be a number' });
  });
});

describe('parseOutput without an output schema', () => {
  it('returns the text itself, even if it looks like JSON', () => {
    const blog = compilePrompt(blogPostSpec());
    expect(blog.parseOutput('  Hello ')).toEqual({ ok: true, value: '  Hello ' });
    expect(blog.parseOutput('{"a":1}')).toEqual({ ok: true, value: '{"a":1}' });
  });
});

describe('repairMessages', () => {
  it('appends the bad answer and a request quoting the error and the schema', () => {
    const rendered = structured.render({ text: 'a long article' });
    const bad = '{"title": 7}';
    const error = 'output does not match the output schema: /title: must be a string';
    const messages = structured.repairMessages(rendered, bad, error);
    expect(messages.slice(0, rendered.length)).toEqual(rendered);
    expect(messages).toHaveLength(rendered.length + 2);
    expect(messages[rendered.length]).toEqual({ role: 'assistant', content: bad });
    const ask = messages[rendered.length + 1]!;
    expect(ask.role).toBe('user');
    expect(ask.content).toContain(error);
    expect(ask.content).toContain('only JSON');
    expect(ask.content).toContain(JSON.stringify(structuredSpec().outputSchema));
  });

  it('does not modify the rendered messages it was given', () => {
    const rendered = structured.render({ text: 'x' });
    const copy = structuredClone(rendered);
    structured.repairMessages(rendered, 'nope', 'output is not valid JSON');
    expect(rendered).toEqual(copy);
  });
});

describe('responseFormat', () => {
  it('asks an OpenAI-compatible provider for json_schema output when there is an output schema', () => {
    expect(structured.responseFormat()).toEqual({
      response_format: { type: 'json_schema', json_schema: { name: 'output', schema: structuredSpec().outputSchema, strict: false } },
    });
  });

  it('adds nothing for free-text prompts', () => {
    expect(compilePrompt(blogPostSpec()).responseFormat()).toEqual({});
    expect(compilePrompt({ ...blogPostSpec(), outputSchema: null }).responseFormat()).toEqual({});
  });
});
