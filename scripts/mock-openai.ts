import { startMockOpenAi } from '@tollgate/providers';

// `npm run mock:openai`: a local stand-in for api.openai.com speaking its real wire format (SSE included),
// for trying the README tour without an OpenAI account. Key: sk-mock. Port: MOCK_OPENAI_PORT or 9999.
const mock = await startMockOpenAi({ apiKey: 'sk-mock', port: Number(process.env.MOCK_OPENAI_PORT ?? 9999) });
process.stdout.write(`mock OpenAI listening: base URL ${mock.url}, key sk-mock\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void mock.close().then(() => process.exit(0)));
