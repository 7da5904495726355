import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { announceFirstAdmin, createPortalRuntime, parsePortalConfig, resetAdminPassword } from '@tollgate/portal';

// Prepares the data directory without serving: master key, migrations, first admin (password printed once).
// Safe to re-run: nothing existing is replaced. With --reset-admin-password it is also the recovery for a lost
// admin password.
const usage = `Usage: npm run setup [-- options]

Prepares $TOLLGATE_DATA_DIR (default ./data): master key, database migrations, and the first admin, whose
generated password is printed once. Safe to re-run: nothing existing is replaced.

Options:
  --reset-admin-password   give a platform admin a new generated password (printed once) and sign them out
                           everywhere; the recovery for a lost admin password
  --email <address>        with --reset-admin-password: which admin (needed when there are several)
  -h, --help               show this help
`;

let options: { 'reset-admin-password'?: boolean; email?: string; help?: boolean };
try {
  options = parseArgs({
    options: { 'reset-admin-password': { type: 'boolean' }, email: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  }).values;
} catch (err) {
  process.stderr.write(`setup: ${(err as Error).message}\n\n${usage}`);
  process.exit(2);
}
if (options.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (options.email !== undefined && !options['reset-admin-password']) {
  process.stderr.write('setup: --email only goes with --reset-admin-password\n');
  process.exit(2);
}

const config = parsePortalConfig(process.env);
const runtime = await createPortalRuntime(config, pino({ level: 'warn' }));
try {
  announceFirstAdmin(runtime);
  if (options['reset-admin-password']) {
    const reset = await resetAdminPassword(runtime.db, options.email);
    process.stdout.write(
      `\nNew admin password. It is shown once; ${reset.sessionsEnded} session(s) of this admin were signed out.\n` +
        `  email:    ${reset.email}\n  password: ${reset.password}\n\n`,
    );
  }
} catch (err) {
  process.stderr.write(`setup: ${(err as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await runtime.close();
}
if (!process.exitCode) process.stdout.write(`Data directory ready: ${config.dataDir}\n`);
