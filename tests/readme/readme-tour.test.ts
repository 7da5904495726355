import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksOf } from './readme-blocks';
import { ShellSession } from './shell-session';

// The README runs as written: its tour and the sections below, block after block in one shell session, against
// a freshly installed instance on free ports with the mock provider. The ports reach the blocks only through
// the variables the README itself reads (TOLLGATE_PORTAL_PORT, TOLLGATE_GATEWAY_PORT, MOCK_OPENAI_PORT, MOCK_REST_PORT).
const repo = path.resolve(import.meta.dirname, '../..');
// Every section with commands to paste, in README order (a section includes its subsections: Prompt APIs, REST APIs, Keys,
// Teams, …, Releases, OpenAPI); installing and the scaled-out shape are not for this.
const sections = ['Five-minute tour', 'Endpoints and providers'];

let instance: ChildProcess | undefined;
let dataDir: string;
let workDir: string;
let password: string;
const ports: Record<string, string> = {};

beforeAll(async () => {
  for (const name of ['TOLLGATE_PORTAL_PORT', 'TOLLGATE_GATEWAY_PORT', 'MOCK_OPENAI_PORT', 'MOCK_REST_PORT']) ports[name] = String(await freePort());
  dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-readme-'));
  const env = { ...process.env, ...ports, TOLLGATE_DATA_DIR: dataDir, TOLLGATE_LOG_LEVEL: 'error' };
  // What install.sh does once its dependencies are in: the setup step (which prints the password), then start.
  const setup = await run('npm', ['run', '--silent', 'setup'], env);
  password = /password: (\S+)/.exec(setup)?.[1] ?? '';
  expect(password, setup).not.toBe('');
  instance = spawn('node', ['--import', 'tsx', 'apps/all-in-one/src/main.ts'], { cwd: repo, env, stdio: 'inherit' });
  await ready(`http://127.0.0.1:${ports.TOLLGATE_PORTAL_PORT}/healthz`, `http://127.0.0.1:${ports.TOLLGATE_GATEWAY_PORT}/readyz`);
  // Inside the repository, as the README asks: `npm run` and `import 'openai'` resolve from here.
  workDir = mkdtempSync(path.join(repo, '.tour-'));
}, 60_000);

afterAll(async () => {
  if (instance?.exitCode === null) {
    const exited = new Promise((resolve) => instance!.once('exit', resolve));
    instance.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('the README', () => {
  it(`runs as written: ${sections.join(', ')}`, async () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const blocks = blocksOf(readme, sections);
    expect(blocks.filter((b) => b.lang === 'bash').length).toBeGreaterThan(10);
    // Only what a reader's shell has: no variable of this process leaks into the blocks.
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME!, LANG: 'C.UTF-8', ...ports };
    const shell = new ShellSession({ cwd: workDir, env });
    try {
      for (const block of blocks) {
        // A JavaScript block the README tells the reader to save is a program the next blocks run; others are fragments.
        if (block.lang === 'js' && block.saveAs) {
          shell.writeFile(block.saveAs, block.code);
          continue;
        }
        if (block.lang !== 'bash') continue;
        const typed = /\bread -rsp\b/.test(block.code) ? `${password}\n` : '';
        const result = await shell.run(block, typed);
        const report = `README line ${block.line} (${block.section}):\n${block.code}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
        // TOUR_PRINT=1 shows every block with what it printed, to read the tour's answers as a reader would.
        if (process.env.TOUR_PRINT) console.log(report);
        expect(result.problems, report).toEqual([]);
      }
    } finally {
      shell.close();
    }
  }, 240_000);
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

async function ready(...urls: string[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await Promise.all(urls.map((u) => fetch(u).then((r) => r.ok, () => false)));
    if (ok.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`not ready within 30 s: ${urls.join(', ')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
