import { describe, expect, it } from 'vitest';
import { UnsupportedParameterError } from '../adapter';
import { UNSUPPORTED_SCHEMA_KEYS, toGeminiSchema } from './schema';

describe('toGeminiSchema', () => {
  it('strips exactly the listed keywords, at every depth', () => {
    expect([...UNSUPPORTED_SCHEMA_KEYS].sort()).toEqual(
      ['$comment', '$id', '$schema', 'additionalProperties', 'examples', 'patternProperties', 'unevaluatedProperties'].sort(),
    );
    const noisy = Object.fromEntries(UNSUPPORTED_SCHEMA_KEYS.map((k) => [k, k === 'additionalProperties' ? false : 'x']));
    const schema = {
      ...noisy,
      type: 'object',
      properties: {
        tags: { type: 'array', items: { ...noisy, type: 'object', properties: { name: { type: 'string', ...noisy } } } },
        either: { anyOf: [{ ...noisy, type: 'string' }, { type: 'integer', minimum: 1 }] },
      },
    };
    expect(toGeminiSchema(schema, 'p')).toEqual({
      type: 'object',
      properties: {
        tags: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } },
        either: { anyOf: [{ type: 'string' }, { type: 'integer', minimum: 1 }] },
      },
    });
  });

  it('treats property names as data: a property called additionalProperties or $id survives', () => {
    const schema = { type: 'object', properties: { additionalProperties: { type: 'boolean' }, $id: { type: 'string' } }, required: ['$id'] };
    expect(toGeminiSchema(schema, 'p')).toEqual(schema);
  });

  it('rewrites unions, nullability and constants into what Gemini can say', () => {
    expect(toGeminiSchema({ oneOf: [{ type: 'string' }, { type: 'number' }] }, 'p')).toEqual({ anyOf: [{ type: 'string' }, { type: 'number' }] });
    expect(toGeminiSchema({ type: ['integer', 'string', 'null'] }, 'p')).toEqual({ nullable: true, anyOf: [{ type: 'integer' }, { type: 'string' }] });
    expect(toGeminiSchema({ type: 'string', const: 'on' }, 'p')).toEqual({ type: 'string', enum: ['on'] });
    expect(toGeminiSchema({ type: 'string', format: 'uri' }, 'p')).toEqual({ type: 'string' });
    expect(toGeminiSchema({ type: 'integer', format: 'int32' }, 'p')).toEqual({ type: 'integer', format: 'int32' });
  });

  it('inlines local $refs from $defs and definitions', () => {
    const schema = {
      type: 'object',
      definitions: { Point: { type: 'object', properties: { x: { type: 'number' } } } },
      $defs: { Line: { type: 'array', items: { $ref: '#/definitions/Point' } } },
      properties: { line: { $ref: '#/$defs/Line' } },
    };
    expect(toGeminiSchema(schema, 'p')).toEqual({
      type: 'object',
      properties: { line: { type: 'array', items: { type: 'object', properties: { x: { type: 'number' } } } } },
    });
  });

  it('refuses a recursive or remote $ref, naming the parameter', () => {
    const recursive = { $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } }, $ref: '#/$defs/Node' };
    expect(() => toGeminiSchema(recursive, 'tools[0].function.parameters')).toThrow(UnsupportedParameterError);
    try {
      toGeminiSchema({ $ref: 'https://example.com/schema.json' }, 'response_format.json_schema.schema');
    } catch (err) {
      expect((err as UnsupportedParameterError).param).toBe('response_format.json_schema.schema');
      return;
    }
    throw new Error('expected a throw');
  });
});
