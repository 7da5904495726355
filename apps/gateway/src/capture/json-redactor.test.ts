import { describe, expect, it } from 'vitest';
import { parseRedactRules, redactRuleProblem } from '@tollgate/domain';
import { redactJsonText, redactSseText } from './json-redactor';

const redact = (value: unknown, rules: string[]) => JSON.parse(redactJsonText(JSON.stringify(value), parseRedactRules(rules)).text);
const R = '[REDACTED]';

describe('redaction rules', () => {
  it('accepts dotted paths with wildcards and bare key names, and says why others are refused', () => {
    for (const rule of ['api_key', 'messages.*.content', '*.secret', 'a.0.b', 'x-api-key', '$ref']) expect(redactRuleProblem(rule), rule).toBeNull();
    for (const rule of ['', '*', 'a..b', '.a', 'a.', 'a b', 'a.b!', 'k'.repeat(65), Array(17).fill('a').join('.')]) expect(redactRuleProblem(rule), rule).not.toBeNull();
    expect(parseRedactRules(['api_key', 'messages.*.content'])).toEqual({ paths: [['messages', '*', 'content']], keys: new Set(['api_key']) });
  });
});

describe('redactJsonText', () => {
  const chat = {
    model: 'gpt-4o-mini',
    api_key: 'sk-top',
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'my card is 4111', meta: { api_key: 'sk-nested' } },
    ],
    metadata: { user: { email: 'a@b.c', name: 'Ann' } },
  };

  it('redacts a dotted path with wildcards, from the root only', () => {
    expect(redact(chat, ['messages.*.content'])).toEqual({
      ...chat,
      messages: [
        { role: 'system', content: R },
        { role: 'user', content: R, meta: { api_key: 'sk-nested' } },
      ],
    });
    expect(redact(chat, ['messages.1.content']).messages.map((m: { content: string }) => m.content)).toEqual(['be brief', R]);
    expect(redact(chat, ['metadata.user.email']).metadata).toEqual({ user: { email: R, name: 'Ann' } });
    // Not at another depth: `content` under the root does not exist, so nothing changes.
    expect(redact(chat, ['user.email'])).toEqual(chat);
  });

  it('redacts a bare key at any depth, objects and arrays included', () => {
    const out = redact(chat, ['api_key', 'user']);
    expect(out.api_key).toBe(R);
    expect(out.messages[1].meta.api_key).toBe(R);
    expect(out.metadata.user).toBe(R);
    expect(redact([{ token: 1 }, [{ token: [1, 2] }]], ['token'])).toEqual([{ token: R }, [{ token: R }]]);
  });

  it('keeps everything else byte for byte, whitespace and escapes included', () => {
    const text = '{ "a" : "x\\"y,}]" ,\n "b\\u0041": [1, -2.5e3, true, null, {"c": "\\\\"}], "secret": {"deep": ["}"]} }';
    const out = redactJsonText(text, parseRedactRules(['bA', 'secret']));
    expect(out).toEqual({ text: '{ "a" : "x\\"y,}]" ,\n "b\\u0041": "[REDACTED]", "secret": "[REDACTED]" }', valid: true });
    expect(redactJsonText(text, parseRedactRules(['nothing.here'])).text).toBe(text);
  });

  it('redacts a body cut at the limit up to the cut, even mid-value', () => {
    const rules = parseRedactRules(['api_key', 'messages.*.content']);
    expect(redactJsonText('{"model":"m","api_key":"sk-very-lo', rules)).toEqual({ text: '{"model":"m","api_key":"[REDACTED]"', valid: true });
    expect(redactJsonText('{"messages":[{"content":{"parts":["se', rules)).toEqual({ text: '{"messages":[{"content":"[REDACTED]"', valid: true });
    expect(redactJsonText('{"messages":[{"role":"us', rules)).toEqual({ text: '{"messages":[{"role":"us', valid: true });
    expect(redactJsonText('{"api_k', rules).text).toBe('{"api_k');
  });

  it('stops where the text stops being JSON, so nothing unchecked is kept', () => {
    const rules = parseRedactRules(['api_key']);
    expect(redactJsonText('{"a":1 "api_key":"sk"}', rules)).toEqual({ text: '{"a":1 ', valid: false });
    expect(redactJsonText('not json api_key=sk', rules)).toEqual({ text: '', valid: false });
    expect(redactJsonText('{"a":1} {"api_key":"sk"}', rules)).toEqual({ text: '{"a":1} ', valid: false });
    expect(redactJsonText('{"a":[1,]}', rules).valid).toBe(false);
  });

  it('takes deep nesting without recursion', () => {
    const deep = `${'['.repeat(50_000)}{"api_key":"sk"}${']'.repeat(50_000)}`;
    const out = redactJsonText(deep, parseRedactRules(['api_key']));
    expect(out.valid).toBe(true);
    expect(out.text).toBe(deep.replace('"sk"', '"[REDACTED]"'));
  });
});

describe('redactSseText', () => {
  it('redacts each event’s JSON data and keeps the rest of the stream as it was', () => {
    const rules = parseRedactRules(['choices.*.delta.content']);
    const stream =
      'data: {"id":"1","choices":[{"delta":{"content":"secret"}}]}\n\n' +
      ': keep-alive\n\n' +
      'event: message\r\ndata:{"choices":[{"delta":{"role":"assistant"}}]}\r\n\r\n' +
      'data: [DONE]\n\n' +
      'data: {"choices":[{"delta":{"content":"cut mid-ev';
    expect(redactSseText(stream, rules)).toEqual({
      text:
        'data: {"id":"1","choices":[{"delta":{"content":"[REDACTED]"}}]}\n\n' +
        ': keep-alive\n\n' +
        'event: message\r\ndata:{"choices":[{"delta":{"role":"assistant"}}]}\r\n\r\n' +
        'data: [DONE]\n\n' +
        'data: {"choices":[{"delta":{"content":"[REDACTED]"',
      valid: true,
    });
  });

  it('redacts an event whose JSON data is spread over several data lines (SSE joins them with a line break)', () => {
    const rules = parseRedactRules(['api_key', 'choices.*.delta.content']);
    const stream =
      'data: {"api_key":\ndata: "sk-secret",\ndata: "choices":[{"delta":{"content":\ndata: "hidden"}}]}\n\n' +
      'data: {"api_key":{"nested":\ndata: "sk-2"}}\n\n';
    const { text, valid } = redactSseText(stream, rules);
    expect(text).not.toContain('sk-secret');
    expect(text).not.toContain('hidden');
    expect(text).not.toContain('sk-2');
    expect(valid).toBe(true);
    // What a client reads from the captured stream is the redacted JSON.
    const events = text.split('\n\n').filter(Boolean).map((e) => JSON.parse(e.split('\n').map((l) => l.replace(/^data: ?/, '')).join('\n')));
    expect(events).toEqual([{ api_key: R, choices: [{ delta: { content: R } }] }, { api_key: R }]);
  });
});

