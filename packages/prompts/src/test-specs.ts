import type { PromptSpec } from './types';

/** A realistic prompt used across the tests; each test copies it so none can leak changes into another. */
export function blogPostSpec(): PromptSpec {
  return {
    messages: [
      { role: 'system', content: 'You write {{tone}} blog posts for {{audience}}.' },
      { role: 'user', content: 'Write about {{ topic }} in at most {{words}} words.' },
    ],
    variables: {
      type: 'object',
      properties: {
        topic: { type: 'string', minLength: 3, maxLength: 200 },
        tone: { type: 'string', enum: ['formal', 'casual'], default: 'formal' },
        audience: { type: 'string', default: 'developers' },
        words: { type: 'integer', minimum: 50, maximum: 2000, default: 300 },
      },
      required: ['topic'],
    },
    model: 'writer-large',
    parameters: { temperature: 0.4, max_tokens: 800 },
  };
}

export function structuredSpec(): PromptSpec {
  return {
    messages: [{ role: 'user', content: 'Summarise {{text}} as JSON.' }],
    variables: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    model: 'writer-small',
    outputSchema: {
      type: 'object',
      properties: {
        title: { type: 'string' },
        points: { type: 'array', items: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
      },
      required: ['title', 'points'],
    },
  };
}
