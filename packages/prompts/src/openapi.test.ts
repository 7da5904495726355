import { describe, expect, it } from 'vitest';
import { compilePrompt } from './compile';
import { newAjv } from './json-schema';
import { blogPostSpec, structuredSpec } from './test-specs';

type Json = Record<string, any>;

/** The operation the way a consumer sees it: inside a 3.1 document, serialised and parsed back. */
function documentFor(operation: Record<string, unknown>): Json {
  const doc = {
    openapi: '3.1.0',
    info: { title: 'Blog service', version: '1.0.0' },
    paths: { '/blog/write-post': { post: { ...operation, tags: ['prompts'] } } },
  };
  return JSON.parse(JSON.stringify(doc)) as Json;
}

const op = (spec = blogPostSpec(), description?: string) =>
  documentFor(compilePrompt(spec).openApiOperation({ operationId: 'writePost', summary: 'Write a blog post', description })).paths['/blog/write-post'].post as Json;

describe('openApiOperation', () => {
  it('carries the caller\'s identity fields and leaves tags to the caller', () => {
    const operation = op(blogPostSpec(), 'Drafts a post.');
    expect(operation.operationId).toBe('writePost');
    expect(operation.summary).toBe('Write a blog post');
    expect(operation.description).toBe('Drafts a post.');
    expect(operation.tags).toEqual(['prompts']);
    expect(compilePrompt(blogPostSpec()).openApiOperation({ operationId: 'x', summary: 'y' })).not.toHaveProperty('tags');
    expect(op().description).toMatch(/writer-large/);
  });

  it('takes a JSON body of { variables, stream? } with the prompt\'s own variables schema', () => {
    const body = op().requestBody;
    expect(body.required).toBe(true);
    const schema = body.content['application/json'].schema;
    expect(schema.required).toEqual(['variables']);
    expect(schema.properties.variables).toEqual(blogPostSpec().variables);
    expect(schema.properties.stream.type).toBe('boolean');
    expect(schema.additionalProperties).toBe(false);
  });

  it('does not require variables when none is required', () => {
    const spec = blogPostSpec();
    delete spec.variables.required;
    expect(op(spec).requestBody.content['application/json'].schema).not.toHaveProperty('required');
  });

  it('describes the 200 result with the output schema, or a string for free text', () => {
    const ok = op(structuredSpec()).responses['200'];
    const result = ok.content['application/json'].schema;
    expect(result.required).toEqual(['id', 'output', 'model', 'usage', 'cost']);
    expect(result.properties.output).toEqual(structuredSpec().outputSchema);
    expect(result.properties.usage.required).toEqual(['input_tokens', 'output_tokens', 'total_tokens']);
    expect(result.properties.cost.properties.micro_usd.type).toBe('integer');
    expect(ok.content).toHaveProperty(['text/event-stream']);
    expect(ok.description).toMatch(/stream/);
    expect(op().responses['200'].content['application/json'].schema.properties.output.type).toBe('string');
  });

  it('lists the error responses with the OpenAI error shape', () => {
    const responses = op().responses;
    expect(Object.keys(responses)).toEqual(['200', '400', '401', '403', '429', '502']);
    for (const status of ['400', '401', '403', '429', '502']) {
      const schema = responses[status].content['application/json'].schema;
      expect(typeof responses[status].description).toBe('string');
      expect(Object.keys(schema.properties.error.properties)).toEqual(['message', 'type', 'param', 'code']);
    }
    expect(responses['429'].headers['retry-after'].schema.type).toBe('integer');
  });

  it('produces schemas that are valid JSON Schema 2020-12 and check real bodies', () => {
    const operation = op(structuredSpec());
    const ajv = newAjv({ useDefaults: false });
    const request = ajv.compile(operation.requestBody.content['application/json'].schema);
    expect(request({ variables: { text: 'hi' }, stream: true })).toBe(true);
    expect(request({ variables: {} })).toBe(false);
    expect(request({ variables: { text: 'hi' }, model: 'other' })).toBe(false);
    const result = ajv.compile(operation.responses['200'].content['application/json'].schema);
    const body = { id: 'call_1', output: { title: 't', points: [] }, model: 'writer-small', usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 }, cost: { micro_usd: 12 } };
    expect(result(body)).toBe(true);
    expect(result({ ...body, output: 'free text' })).toBe(false);
    const error = ajv.compile(operation.responses['400'].content['application/json'].schema);
    expect(error({ error: { message: 'topic: is required', type: 'invalid_request_error', param: 'variables.topic', code: 'invalid_variables' } })).toBe(true);
  });

  it('does not share objects with the spec, so editing a document cannot change the prompt', () => {
    const prompt = compilePrompt(structuredSpec());
    const operation = prompt.openApiOperation({ operationId: 'a', summary: 'b' }) as Json;
    operation.requestBody.content['application/json'].schema.properties.variables.properties.text.type = 'number';
    operation.responses['200'].content['application/json'].schema.properties.output.required = [];
    expect(prompt.validateVariables({ text: 'hi' }).ok).toBe(true);
    expect(prompt.spec.outputSchema).toEqual(structuredSpec().outputSchema);
  });
});
