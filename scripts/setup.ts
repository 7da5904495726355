import { pino } from 'pino';
import { announceFirstAdmin, createPortalRuntime, parsePortalConfig } from '@tollgate/portal';

// Prepares the data directory without serving: master key, migrations, first admin (password printed once).
// Safe to re-run: nothing existing is replaced.
const config = parsePortalConfig(process.env);
const runtime = await createPortalRuntime(config, pino({ level: 'warn' }));
announceFirstAdmin(runtime);
await runtime.close();
process.stdout.write(`Data directory ready: ${config.dataDir}\n`);
