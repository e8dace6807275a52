#!/usr/bin/env node
/*
 * The packaging check: what a new user gets from npm. In a scratch copy of the workspace it runs
 * `changeset version` (the versions the next release publishes), packs every public package from a
 * clean tree (so `prepack` must build it), installs the tarballs with npm into a consumer project
 * outside the workspace, checks that every source map in a tarball points at sources the tarball
 * holds, then type-checks a strict TypeScript consumer of every package and every code example of
 * every README (`strict`, `noUncheckedIndexedAccess`, `skipLibCheck: false`, Node's libs only; see
 * scripts/readme-examples.mjs), runs the examples (which must print nothing on stderr; the root
 * README's training loop must stay flat and reach the accuracy it states), `require()`s a package
 * from CommonJS, and installs a newer @kindling/tensor beside the others, which npm must refuse,
 * naming the peer range. Any failure exits non-zero.
 *
 * Usage: node scripts/check-packaging.mjs [--keep]   (--keep leaves the scratch directory)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { allPrograms, checkProgramOutput, compiledName, prepareProgram, runProgram, strictCompilerOptions, writePrograms } from './readme-examples.mjs';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const keep = process.argv.includes('--keep');
const scratch = mkdtempSync(join(tmpdir(), 'kindling-packaging-'));
const started = performance.now();

function step(message) {
  console.log(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}`);
}

/** Runs a command; on failure throws with its output, so CI shows what went wrong. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${options.cwd ?? process.cwd()}) exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result;
}

/** The workspace's own files (tracked, or new and not ignored) with each package's node_modules links, without build outputs. */
function copyWorkspace(destination) {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' }).split('\0');
  for (const file of files) {
    if (file === '' || !existsSync(join(repoRoot, file))) continue;
    mkdirSync(dirname(join(destination, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(destination, file));
  }
  // pnpm's links are relative (packages/nn/node_modules/@kindling/tensor -> ../../../tensor), so
  // copied as links they resolve inside the copy; the store behind them is shared.
  symlinkSync(join(repoRoot, 'node_modules'), join(destination, 'node_modules'));
  for (const dir of workspacePackageDirs(repoRoot)) {
    const modules = join(repoRoot, dir, 'node_modules');
    if (existsSync(modules)) cpSync(modules, join(destination, dir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
  }
}

function workspacePackageDirs(root) {
  return ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => `${group}/${name}`)
      .filter((dir) => existsSync(join(root, dir, 'package.json'))),
  );
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** README links must work on the registry's page: absolute URLs or anchors, never paths into the repository. */
function checkReadmeLinks(name, readme) {
  const relative = [...readme.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]).filter((target) => !/^(https?:|#)/.test(target));
  if (relative.length > 0) throw new Error(`${name}'s README links to ${relative.join(', ')}, which do not exist on the registry's page`);
}

/** Every `.map` in an unpacked tarball names sources that the tarball holds, so a stack trace or "go to definition" opens real code. */
function checkSourceMaps(name, packageDir) {
  const missing = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.map')) {
        for (const source of readJson(path).sources) if (!existsSync(join(dirname(path), source))) missing.push(`${path.slice(packageDir.length + 1)} -> ${source}`);
      }
    }
  };
  walk(join(packageDir, 'dist'));
  if (missing.length > 0) throw new Error(`${name}'s source maps name sources its tarball lacks:\n  ${missing.slice(0, 5).join('\n  ')}`);
}

function main() {
  const workspace = join(scratch, 'workspace');
  const tarballs = join(scratch, 'tarballs');
  const consumer = join(scratch, 'consumer');
  mkdirSync(tarballs);
  mkdirSync(consumer);

  step(`copying the workspace to ${workspace}`);
  copyWorkspace(workspace);

  step('changeset version');
  const versionBefore = new Map(workspacePackageDirs(workspace).map((dir) => [dir, readJson(join(workspace, dir, 'package.json')).version]));
  run(process.execPath, [join(workspace, 'node_modules/@changesets/cli/bin.js'), 'version'], { cwd: workspace });
  const packages = workspacePackageDirs(workspace)
    .map((dir) => ({ dir, manifest: readJson(join(workspace, dir, 'package.json')) }))
    .filter(({ manifest }) => !manifest.private);
  for (const { dir, manifest } of packages) {
    console.log(`  ${manifest.name}: ${versionBefore.get(dir)} -> ${manifest.version}`);
    // A package's first release is 0.1.0, not the 0.2.0 a minor bump of a placeholder 0.1.0 gives.
    if (versionBefore.get(dir) === '0.0.0' && manifest.version !== '0.1.0') throw new Error(`${manifest.name}'s first release would be ${manifest.version}, not 0.1.0`);
  }

  step('pnpm pack from a clean tree (prepack builds)');
  const built = packages.filter(({ dir }) => existsSync(join(workspace, dir, 'dist')));
  if (built.length > 0) throw new Error(`${built.map(({ dir }) => dir).join(', ')} has dist/ before packing: the check must start clean`);
  const tarballOf = new Map();
  const packedManifests = new Map();
  for (const { dir, manifest } of packages) {
    run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(workspace, dir) });
    const file = join(tarballs, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
    const listing = run('tar', ['-tzf', file]).stdout.split('\n');
    for (const required of ['package/dist/index.js', 'package/README.md', 'package/LICENSE']) {
      if (!listing.includes(required)) throw new Error(`${manifest.name}'s tarball has no ${required.slice('package/'.length)}`);
    }
    const packed = JSON.parse(run('tar', ['-xzOf', file, 'package/package.json']).stdout);
    if (JSON.stringify(packed).includes('workspace:')) throw new Error(`${manifest.name}'s packed package.json still has a workspace: range`);
    checkReadmeLinks(manifest.name, run('tar', ['-xzOf', file, 'package/README.md']).stdout);
    const unpacked = mkdtempSync(join(scratch, 'unpacked-'));
    run('tar', ['-xzf', file, '-C', unpacked]);
    checkSourceMaps(manifest.name, join(unpacked, 'package'));
    tarballOf.set(manifest.name, file);
    packedManifests.set(manifest.name, packed);
  }

  step('npm install of every tarball into a consumer outside the workspace');
  const rootManifest = readJson(join(repoRoot, 'package.json'));
  // The override backend-gpujs's README recommends, so that gpu.js and the webgpu backend share one Dawn.
  const webgpuRange = readJson(join(workspace, 'packages/backend-webgpu/package.json')).dependencies.webgpu;
  const consumerManifest = { name: 'kindling-consumer', private: true, type: 'module', overrides: { 'gpu.js': { webgpu: webgpuRange } } };
  writeFileSync(join(consumer, 'package.json'), JSON.stringify(consumerManifest, null, 2));
  const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund'];
  // onnxruntime-web runs the exported model in the trainer README's predict.mjs.
  const onnxRuntime = `onnxruntime-web@${readJson(join(workspace, 'packages/onnx/package.json')).devDependencies['onnxruntime-web']}`;
  const typescript = `typescript@${rootManifest.devDependencies.typescript}`;
  const install = run('npm', ['install', ...npmFlags, ...tarballOf.values(), typescript, `@types/node@${rootManifest.devDependencies['@types/node']}`, onnxRuntime], { cwd: consumer });
  writeFileSync(join(scratch, 'npm-install.log'), `${install.stdout}\n${install.stderr}`);
  const dawns = new Set(run('npm', ['ls', '--all', '--parseable', '--long', 'webgpu'], { cwd: consumer }).stdout.trim().split('\n').map((line) => line.split(':')[1]));
  if (dawns.size !== 1) throw new Error(`npm installed ${dawns.size} versions of Dawn (webgpu): ${[...dawns].join(', ')}`);
  console.log(`  one Dawn: ${[...dawns].join('')}${install.stderr.includes('gyp ERR!') ? "; gpu.js's optional gl failed to build and was left out" : ''}`);
  const tensorCopies = run('npm', ['ls', '--all', '--parseable', '@kindling/tensor'], { cwd: consumer }).stdout.trim().split('\n').filter((line) => line.endsWith('@kindling/tensor'));
  if (tensorCopies.length !== 1) throw new Error(`npm installed ${tensorCopies.length} copies of @kindling/tensor:\n${tensorCopies.join('\n')}`);

  step('strict TypeScript: every package and every README example (noUncheckedIndexedAccess, skipLibCheck: false)');
  const files = [];
  mkdirSync(join(consumer, 'examples'));
  for (const { manifest } of packages) {
    if (!manifest.exports) continue;
    const short = manifest.name.replace('@kindling/', '');
    writeFileSync(join(consumer, 'examples', `import-${short}.ts`), `export * from '${manifest.name}';\n`);
    files.push(`examples/import-${short}.ts`);
  }
  const programs = allPrograms(workspace);
  files.push(...writePrograms(consumer, programs, 'out'));
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: strictCompilerOptions('out'), files }, null, 2));
  run(join(consumer, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: consumer });

  step('running each README example: quiet on stderr');
  for (const program of programs) {
    if (!program.runs) {
      console.log(`  ${program.name} (${program.readme}): type-checked; it runs in a web page`);
      continue;
    }
    const cwd = mkdtempSync(join(scratch, 'run-'));
    prepareProgram(program, cwd, [join(consumer, 'node_modules/.bin/kindling-train')]);
    const stdout = runProgram(join(consumer, 'out', compiledName(program)), { cwd });
    const checked = checkProgramOutput(program, stdout);
    console.log(`  ${program.name} (${program.readme}): ${stdout.trim() === '' ? 0 : stdout.trim().split('\n').length} lines on stdout, nothing on stderr${checked ? `; ${checked}` : ''}`);
  }
  const trainer = run(join(consumer, 'node_modules/.bin/kindling-train'), ['--iters', '0'], { cwd: consumer, timeout: 120_000 });
  if (trainer.stderr.trim() !== '') throw new Error(`kindling-train printed on stderr:\n${trainer.stderr}`);
  console.log(`  kindling-train --iters 0: ${trainer.stdout.trim().split('\n').pop()}`);

  step('require() from CommonJS');
  const cjs = `const { tensor } = require('@kindling/tensor');\nconst { Variable } = require('@kindling/autograd');\nconsole.log(new Variable(tensor([1, 2, 3])).data.shape.join('x'));\n`;
  writeFileSync(join(consumer, 'require.cjs'), cjs);
  const required = run(process.execPath, ['require.cjs'], { cwd: consumer });
  if (required.stdout.trim() !== '3' || required.stderr.trim() !== '') {
    throw new Error(`require() from CommonJS printed '${required.stdout.trim()}' instead of '3'${required.stderr ? `, and on stderr:\n${required.stderr}` : ''}`);
  }

  step('a newer @kindling/tensor beside the others is refused by name');
  const newer = join(scratch, 'tensor-newer');
  mkdirSync(newer);
  run('tar', ['-xzf', tarballOf.get('@kindling/tensor'), '-C', newer]);
  const newerManifest = join(newer, 'package', 'package.json');
  const [major, minor] = readJson(newerManifest).version.split('.').map(Number);
  const newerVersion = `${major}.${minor + 1}.0`;
  writeFileSync(newerManifest, JSON.stringify({ ...readJson(newerManifest), version: newerVersion }, null, 2));
  run('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: join(newer, 'package') });
  const newerTarball = join(scratch, `kindling-tensor-${newerVersion}.tgz`);
  const autograd = packedManifests.get('@kindling/autograd');
  const peer = `peer @kindling/tensor@"${autograd.peerDependencies['@kindling/tensor']}"`;
  const skewed = join(scratch, 'skewed');
  mkdirSync(skewed);
  writeFileSync(join(skewed, 'package.json'), JSON.stringify({ name: 'kindling-skewed', private: true, type: 'module' }));
  const skew = spawnSync('npm', ['install', ...npmFlags, newerTarball, tarballOf.get('@kindling/autograd')], { cwd: skewed, encoding: 'utf8' });
  const said = `${skew.stdout}\n${skew.stderr}`;
  if (skew.status === 0 || !said.includes('ERESOLVE') || !said.includes(peer)) {
    throw new Error(`npm should refuse @kindling/tensor@${newerVersion} beside @kindling/autograd@${autograd.version}, naming the ${peer} range; it exited with ${skew.status}:\n${said}`);
  }
  console.log(`  npm install of @kindling/tensor@${newerVersion}: ERESOLVE, ${peer} from @kindling/autograd@${autograd.version}`);

  step('packaging check passed');
}

try {
  main();
} catch (error) {
  console.error(`packaging check failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
