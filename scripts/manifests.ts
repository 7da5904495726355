import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { buildManifests } from './k8s/manifests';
import { parseCli, UsageError } from './k8s/options';

/**
 * `npm run manifests -- --topology behind|authorizer|front [--namespace tollgate] [--image …] [--gateway-replicas 2]
 * [--max-gateway-replicas 10] [--authorizer http|grpc] [--format yaml|json] [--out file]`, with
 * TOLLGATE_INTERNAL_TOKEN (and optionally TOLLGATE_REDIS_URL for a managed Redis) in the environment.
 * Writes Tollgate's own deployment (ADR 0034); `kubectl apply -f` takes the output as it is.
 */
try {
  const options = parseCli(process.argv.slice(2), process.env);
  const objects = buildManifests(options);
  const text =
    options.format === 'json'
      ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n`
      : objects.map((object) => stringify(object, { lineWidth: 0 })).join('---\n');
  const header = options.format === 'yaml' ? `# Tollgate, topology "${options.topology}" (npm run manifests). Holds the internal token: keep this file private.\n` : '';
  if (options.out) {
    // 0600: the Secret is in it.
    writeFileSync(options.out, header + text, { mode: 0o600 });
    process.stderr.write(`wrote ${objects.length} objects to ${options.out}\n`);
  } else {
    process.stdout.write(header + text);
  }
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  process.stderr.write(`manifests: ${err.message}\n`);
  process.exit(2);
}
