import { startMockOpenAi } from '@tollgate/providers';

// The benchmark's upstream, in its own process so it does not share an event loop with what is measured.
const mock = await startMockOpenAi({ apiKey: 'sk-bench', chunkDelayMs: Number(process.env.CHUNK_DELAY_MS ?? 0) });
process.stdout.write(`READY ${mock.port}\n`);
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
