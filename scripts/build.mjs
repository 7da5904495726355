// The production build (issue 17): each server entry point becomes one ES module in dist/, with the workspace
// packages bundled in and every npm dependency left to node_modules. Production then runs plain JavaScript
// under node, without tsx compiling TypeScript at start and wrapping every closure (its `__name` helper cost
// about 8 µs per gateway request). Tests keep running the sources through tsx. Plain .mjs, so the build needs
// nothing but esbuild.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const manifestOf = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
// The root's dependencies and any a workspace declares itself (apps/gateway's @grpc/*): all hoisted to the
// root node_modules, all left to it. A CommonJS package bundled into these ES modules would fail at its first
// require() of a Node built-in.
const workspaceDirs = ['apps', 'packages'].flatMap((group) =>
  readdirSync(path.join(root, group), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join(root, group, d.name))
    .filter((dir) => {
      try {
        return Boolean(manifestOf(dir));
      } catch {
        return false;
      }
    }),
);
const dependencies = Object.assign({}, ...workspaceDirs.map((dir) => manifestOf(dir).dependencies ?? {}), manifestOf(root).dependencies);
const require = createRequire(path.join(root, 'package.json'));

/**
 * Every dependency and its subpaths (`hono/cors`, `drizzle-orm/better-sqlite3`) stays an import of
 * node_modules. A subpath of a package without an `exports` map (`ajv/dist/2020`) is written with its file's
 * extension, as Node's ES module loader needs (tsx, like bundlers, guessed it).
 */
const dependencyImports = {
  name: 'dependency-imports',
  setup(b) {
    const names = Object.keys(dependencies);
    b.onResolve({ filter: /^[@a-z]/ }, ({ path: spec }) => {
      const name = names.find((n) => spec === n || spec.startsWith(`${n}/`));
      if (!name) return undefined;
      if (spec === name) return { path: spec, external: true };
      const packageDir = path.join(root, 'node_modules', name);
      const manifest = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
      if (manifest.exports) return { path: spec, external: true };
      const file = require.resolve(spec);
      return { path: `${name}/${path.relative(packageDir, file).split(path.sep).join('/')}`, external: true };
    });
  },
};

// `node scripts/build.mjs [outdir name=entry ...]`: by default the three servers into dist/; the bench builds
// its gateway process the same way, so it measures what production runs.
const [outArg, ...entryArgs] = process.argv.slice(2);
const outdir = path.resolve(root, outArg ?? 'dist');
const entries = {
  ...(entryArgs.length
    ? Object.fromEntries(entryArgs.map((arg) => arg.split('=')))
    : { 'all-in-one': 'apps/all-in-one/src/main.ts', gateway: 'apps/gateway/src/main.ts', portal: 'apps/portal/src/main.ts' }),
  // The all-in-one writes call records on a worker thread (ADR 0029) and looks for this file beside its own
  // bundle, so every build has it: the bench's single entry runs startAllInOne too.
  'call-record-writer': 'apps/portal/src/call-records/writer-thread.ts',
};

const started = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, path.resolve(root, file)])),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [dependencyImports],
  sourcemap: true,
  // Stack traces name the real functions; nothing is gained by mangling a server.
  minify: false,
  keepNames: false,
  logLevel: 'warning',
});
console.log(`built ${Object.keys(entries).map((name) => path.relative(root, path.join(outdir, `${name}.mjs`))).join(', ')} in ${Date.now() - started} ms`);
