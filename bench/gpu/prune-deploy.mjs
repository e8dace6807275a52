/*
 * Shrinks a hoisted `pnpm deploy` folder (see pack.sh) to what the trainer can load at run time:
 * the packages reachable from the app's package.json through `dependencies` and
 * `optionalDependencies`, minus headless-gl, with Dawn's prebuilt binaries cut down to linux-x64.
 *
 * Usage: node bench/gpu/prune-deploy.mjs <deploy-dir>
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * gpu.js's optional WebGL path: 23 MB of native code and a build toolchain. gpu.js requires it
 * inside a try and goes on without it, and the benchmark never runs gpu.js in headless-gl mode.
 */
const SKIPPED = new Set(['gl']);

const app = resolve(process.argv[2] ?? '');
if (!existsSync(join(app, 'package.json'))) {
  console.error('usage: node bench/gpu/prune-deploy.mjs <deploy-dir>  (a folder made by pnpm deploy)');
  process.exit(2);
}

function manifest(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
}

/** Node's lookup for a bare import from `from`: its node_modules, then each parent's, up to the app. */
function locate(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === app || dir === dirname(dir)) return undefined;
  }
}

const kept = new Set([app]);
const pending = [app];
while (pending.length > 0) {
  const dir = pending.pop();
  const { dependencies = {}, optionalDependencies = {} } = manifest(dir);
  for (const name of new Set([...Object.keys(dependencies), ...Object.keys(optionalDependencies)])) {
    if (SKIPPED.has(name)) continue;
    const found = locate(name, dir);
    if (found === undefined) {
      if (name in optionalDependencies) continue;
      throw new Error(`${relative(app, dir) || 'the app'} depends on '${name}', which the deploy folder lacks`);
    }
    if (!kept.has(found)) {
      kept.add(found);
      pending.push(found);
    }
  }
}

let removed = 0;
function pruneFolder(nodeModules) {
  for (const entry of readdirSync(nodeModules)) {
    const path = join(nodeModules, entry);
    if (entry.startsWith('.')) {
      // .bin, .pnpm, .modules.yaml: pnpm's bookkeeping, not needed to run.
      rmSync(path, { recursive: true, force: true });
    } else if (entry.startsWith('@')) {
      for (const scoped of readdirSync(path)) prunePackage(join(path, scoped));
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else {
      prunePackage(path);
    }
  }
}

function prunePackage(dir) {
  if (!kept.has(dir)) {
    rmSync(dir, { recursive: true, force: true });
    removed++;
    return;
  }
  const nested = join(dir, 'node_modules');
  if (existsSync(nested)) pruneFolder(nested);
}

pruneFolder(join(app, 'node_modules'));

// The `webgpu` package ships Dawn for every platform (84 to 132 MB); Linux needs one file or folder.
for (const dir of kept) {
  if (dir === app || manifest(dir).name !== 'webgpu') continue;
  const dist = join(dir, 'dist');
  const entries = readdirSync(dist);
  if (!entries.some((entry) => entry.startsWith('linux-x64'))) throw new Error(`${relative(app, dist)} has no linux-x64 binary (found: ${entries.join(', ')})`);
  for (const entry of entries) if (!entry.startsWith('linux-x64')) rmSync(join(dist, entry), { recursive: true, force: true });
}

function sizeOf(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.size;
  return readdirSync(path).reduce((total, entry) => total + sizeOf(join(path, entry)), 0);
}

console.log(`prune-deploy: kept ${kept.size - 1} packages, removed ${removed}:`);
for (const dir of [...kept].filter((dir) => dir !== app).sort()) {
  const { name, version } = manifest(dir);
  console.log(`  ${`${name}@${version}`.padEnd(36)} ${(sizeOf(dir) / 2 ** 20).toFixed(1).padStart(6)} MiB  ${relative(app, dir)}`);
}
