import { startMockOpenAi } from '@tollgate/providers';
import { reportLoopDelay } from './loop-delay';

/**
 * The streams bench's provider: the mock OpenAI upstream pacing its chunks by CHUNK_DELAY_MS, in its own
 * process, reporting its event-loop delay over IPC like the gateway does — a late direct baseline would
 * otherwise hide the gateway's share. (mock-upstream.ts is the other bench's and reports nothing.)
 */
// MOCK_PORT: the bench's memory run starts a slower mock where the gateway's provider points (the same port).
const mock = await startMockOpenAi({ apiKey: 'sk-bench', chunkDelayMs: Number(process.env.CHUNK_DELAY_MS ?? 0), port: Number(process.env.MOCK_PORT ?? 0) });
reportLoopDelay();
process.stdout.write(`READY ${mock.port}\n`);
process.on('SIGTERM', () => void mock.close().then(() => process.exit(0)));
