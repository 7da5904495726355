import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksOf } from './readme-blocks';
import { ShellSession } from './shell-session';

// The tour test is only as good as what its runner notices: each way a README step can fail while looking
// fine must be caught here, against a real HTTP server.
let server: Server;
let base: string;
let cwd: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const send = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (req.url === '/ok') return send(200, '{"thing":{"id":"t_1"}}');
    if (req.url === '/empty') return send(200, '');
    if (req.url === '/gone') return send(204, '');
    return send(403, '{"error":{"code":"subscription_pending","message":"pending"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  cwd = mkdtempSync(path.join(tmpdir(), 'tour-cwd-'));
});
afterAll(() => {
  server.close();
  rmSync(cwd, { recursive: true, force: true });
});

const block = (code: string) => ({ section: 'test', line: 1, lang: 'bash', code });
async function runAll(...codes: string[]) {
  const shell = new ShellSession({ cwd, env: { PATH: process.env.PATH!, B: base } });
  try {
    const results = [];
    for (const code of codes) results.push(await shell.run(block(code), 'typed secret\n'));
    return results;
  } finally {
    shell.close();
  }
}

describe('the README block runner', () => {
  it('keeps variables from block to block and reads what the reader types', async () => {
    const [first, second] = await runAll(`ID=$(curl -s $B/ok | jq -r .thing.id)\nread -rsp 'Password: ' PASSWORD; echo`, 'echo "$ID $PASSWORD"');
    expect(first!.problems).toEqual([]);
    expect(second!.problems).toEqual([]);
    expect(second!.stdout).toBe('t_1 typed secret\n');
  });

  it('fails a block that uses a variable no block defined', async () => {
    const [result] = await runAll('curl -s $B/ok/$SVC');
    expect(result!.problems).toContain('it failed with exit code 1');
    expect(result!.stderr).toMatch(/SVC: unbound variable/);
  });

  it('fails on an HTTP error the block does not mention, and accepts one it documents', async () => {
    const [silentFailure, documented] = await runAll('curl -s $B/nope | jq -c .error', 'curl -s $B/nope | jq -c .error   # 403: pending');
    expect(silentFailure!.problems.join()).toMatch(/an HTTP 403 the block does not mention/);
    expect(documented!.problems).toEqual([]);
  });

  it('fails an empty answer shown to the reader, output sent to /dev/null, a "null" and a block that prints nothing', async () => {
    const [empty, deleted, hidden, nothing, unset, silent] = await runAll(
      'curl -s $B/empty',
      'curl -s -X DELETE $B/gone; echo deleted',
      'curl -s $B/ok >/dev/null',
      'curl -s $B/ok | jq -r .thing.missing',
      'X=$(curl -s $B/ok | jq -r .nothing)',
      "curl -s $B/ok | jq -r 'empty'",
    );
    expect(empty!.problems.join()).toMatch(/an empty answer where the reader expects one/);
    expect(deleted!.problems).toEqual([]);
    expect(hidden!.problems.join()).toMatch(/\/dev\/null/);
    expect(nothing!.problems.join()).toMatch(/printed "null"/);
    expect(unset!.problems).toContain('X is "null"');
    expect(silent!.problems).toContain('it printed nothing');
  });

  it('fails a command that cannot reach its server, even inside a pipeline', async () => {
    const [result] = await runAll('curl -s http://127.0.0.1:1/ | jq .');
    expect(result!.exitCode).not.toBe(0);
  });

  it('reads only the named sections, and each must exist', () => {
    const readme = '# T\n## A\n```bash\necho a\n```\n### A.1\nSave this as `x.mjs`:\n```js\nx\n```\n## B\n```bash\necho b\n```\n';
    expect(blocksOf(readme, ['A']).map((b) => [b.lang, b.code, b.saveAs])).toEqual([
      ['bash', 'echo a', undefined],
      ['js', 'x', 'x.mjs'],
    ]);
    expect(() => blocksOf(readme, ['C'])).toThrow(/one section headed "C"/);
  });
});
