import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CodeBlock } from './readme-blocks';

/**
 * Runs README shell blocks one after the other, as a reader pasting them into one terminal would: variables a
 * block sets are there for the next, background jobs keep running. Each block runs in its own `bash` with
 * `set -euo pipefail`, so a failing command or a variable used before the README defines it fails the block.
 *
 * curl is wrapped (a shell function; the block's text is run unchanged) to see each answer's status: an HTTP
 * error the block does not document (by its error code or status) is a problem, and so is a call whose answer
 * goes straight to the reader and is empty. Output lines of `null`, variables set to "" or "null" by a command
 * substitution, and output thrown away to /dev/null are problems too: each is how a failed step looks fine.
 */
export interface BlockResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  problems: string[];
}

const prelude = readFileSync(new URL('./prelude.sh', import.meta.url), 'utf8');

export class ShellSession {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'tollgate-tour-'));
  private readonly groups: number[] = [];

  constructor(private readonly options: { cwd: string; env: Record<string, string> }) {
    writeFileSync(path.join(this.dir, 'prelude.sh'), prelude);
  }

  async run(block: CodeBlock, stdin = '', timeoutMs = 90_000): Promise<BlockResult> {
    const file = (name: string) => path.join(this.dir, name);
    const script = [
      '__tour_known=$(compgen -v)',
      'set -euo pipefail',
      'source "$__TOUR_DIR/prelude.sh"',
      '[ ! -f "$__TOUR_DIR/state.sh" ] || source "$__TOUR_DIR/state.sh"',
      `# README line ${block.line}`,
      block.code,
      '__tour_save',
    ].join('\n');
    writeFileSync(file('block.sh'), script);
    writeFileSync(file('stdin'), stdin);
    for (const name of ['stdout', 'stderr', 'http-errors', 'silent-calls']) writeFileSync(file(name), '');

    // Files, not pipes: a background job the block starts keeps writing after its shell has exited.
    const fds = [openSync(file('stdin'), 'r'), openSync(file('stdout'), 'a'), openSync(file('stderr'), 'a')];
    const child = spawn('bash', [file('block.sh')], {
      cwd: this.options.cwd,
      env: { ...this.options.env, __TOUR_DIR: this.dir },
      stdio: fds,
      detached: true,
    });
    this.groups.push(child.pid!);
    fds.forEach((fd) => closeSync(fd));
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => this.kill(child.pid!), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });

    const problems: string[] = [];
    if (exitCode === 0 && startsBackgroundJob(block.code) && !(await waitFor(() => /listening/i.test(readFileSync(file('stdout'), 'utf8')), 30_000))) {
      problems.push('the background job it starts never said it is listening');
    }
    const stdout = readFileSync(file('stdout'), 'utf8');
    const stderr = readFileSync(file('stderr'), 'utf8');
    if (exitCode !== 0) problems.push(`it failed with exit code ${exitCode}`);
    problems.push(...undocumentedErrors(block.code, readFileSync(file('http-errors'), 'utf8')));
    for (const call of lines(readFileSync(file('silent-calls'), 'utf8'))) problems.push(`${call}: an empty answer where the reader expects one`);
    if (lines(stdout).some((l) => l.trim() === 'null')) problems.push('it printed "null": a jq filter found nothing');
    if (/\/dev\/null/.test(block.code)) problems.push('it throws output away to /dev/null, so a failure would pass unseen');
    if (exitCode === 0 && !stdout.trim() && expectsOutput(block.code)) problems.push('it printed nothing');
    if (exitCode === 0) problems.push(...emptyAssignments(block.code, readFileSync(file('state.sh'), 'utf8')));
    return { exitCode, stdout, stderr, problems };
  }

  writeFile(name: string, text: string): void {
    writeFileSync(path.join(this.options.cwd, name), text);
  }

  /** Stops every process the blocks started (each block is its own process group) and removes the scratch files. */
  close(): void {
    for (const group of this.groups) this.kill(group);
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }

  private kill(group: number): void {
    try {
      process.kill(-group, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);

/** The block's commands: continuation lines joined, comments and blank lines dropped. */
function commands(code: string): string[] {
  return code
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);
}

const startsBackgroundJob = (code: string) => commands(code).at(-1)?.endsWith('&') ?? false;

/** Whether some command would show the reader something: anything but assignments, exports, reads and sleeps. */
function expectsOutput(code: string): boolean {
  return commands(code)
    .flatMap((c) => c.split(/;\s*/))
    .some((c) => c && !/^(?:export\s+\w+|[A-Za-z_]\w*=|read\s|sleep\s|echo$)/.test(c) && !c.endsWith('&'));
}

/** HTTP errors are fine only where the block says they happen: by the error's code or its status. */
function undocumentedErrors(code: string, log: string): string[] {
  return lines(log).flatMap((entry) => {
    const [status, body = ''] = entry.split('\t');
    const errorCode = errorCodeOf(body);
    const documented = (errorCode && code.includes(errorCode)) || new RegExp(`\\b${status}\\b`).test(code);
    return documented ? [] : [`an HTTP ${status} the block does not mention: ${body.slice(0, 300)}`];
  });
}

function errorCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; type?: unknown } };
    const value = parsed.error?.code ?? parsed.error?.type;
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `NAME=$(…)` that came out empty or "null": the call behind it failed or answered something else. */
function emptyAssignments(code: string, state: string): string[] {
  const names = [...code.matchAll(/(?:^|[;\s])([A-Za-z_]\w*)=\$\(/g)].map((m) => m[1]!);
  return names.flatMap((name) => {
    const m = new RegExp(`^declare -\\S* ${name}="(.*)"$`, 'm').exec(state);
    if (!m) return [`${name} was not set`];
    return m[1] === '' || m[1] === 'null' ? [`${name} is ${m[1] === '' ? 'empty' : '"null"'}`] : [];
  });
}

async function waitFor(test: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (test()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return test();
}
