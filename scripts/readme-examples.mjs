#!/usr/bin/env node
/*
 * Every code example of the READMEs, as programs a user would copy. A ```ts (or ```js) block is a
 * whole program; a block fenced ```ts continued is appended to the program before it in the same
 * README (a fragment that goes on from the example above it); a ```ts browser block is a program
 * for a web page (it fetches files served beside the page), type-checked here but run only there.
 * Shell, text and other blocks are not programs: the packaging check installs the packages and runs
 * the CLI itself.
 *
 * The packaging check type-checks these programs strictly against the packed tarballs and runs
 * them. `node scripts/readme-examples.mjs [filter] [--print]` does the same against this workspace's
 * builds (run `pnpm build` first), which is quicker while writing a README; `--print` shows what
 * each program printed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The READMEs a user reads: the root one, then every package's and app's. */
export function readmePaths(root) {
  const packages = ['packages', 'apps'].flatMap((group) =>
    readdirSync(join(root, group))
      .sort()
      .map((name) => `${group}/${name}/README.md`)
      .filter((path) => existsSync(join(root, path))),
  );
  return ['README.md', ...packages];
}

/** The programs of one README: `{ name, language, source }`, `name` unique across READMEs. */
export function readmePrograms(readmePath, text) {
  const slug = readmePath === 'README.md' ? 'root' : readmePath.split('/')[1];
  const programs = [];
  for (const match of text.matchAll(/^```(ts|js)(?: (continued|browser))?\n([\s\S]*?)^```/gm)) {
    const [, language, kind, source] = match;
    const previous = programs[programs.length - 1];
    if (kind === 'continued') {
      if (!previous) throw new Error(`${readmePath}: a \`\`\`${language} continued block has no program above it to continue`);
      previous.source += `\n${source}`;
      continue;
    }
    programs.push({ name: `${slug}-${programs.length + 1}`, readme: readmePath, language, source, runs: kind !== 'browser' });
  }
  return programs;
}

export function allPrograms(root) {
  return readmePaths(root).flatMap((path) => readmePrograms(path, readFileSync(join(root, path), 'utf8')));
}

/** The strict settings a careful user has: `strict`, `noUncheckedIndexedAccess`, no skipLibCheck. */
export function strictCompilerOptions(outDir) {
  return {
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    target: 'ES2022',
    lib: ['ES2022'],
    types: ['node'],
    rootDir: 'examples',
    outDir,
  };
}

/**
 * Writes each TypeScript program to `dir/examples/<name>.ts` for tsc (which writes `dir/<outDir>`),
 * and each JavaScript one straight to `dir/<outDir>/<name>.mjs`, as its user would run it without
 * a compiler. Returns the TypeScript files, relative to `dir`.
 */
export function writePrograms(dir, programs, outDir) {
  mkdirSync(join(dir, 'examples'), { recursive: true });
  mkdirSync(join(dir, outDir), { recursive: true });
  const typescript = [];
  for (const program of programs) {
    if (program.language === 'js') {
      writeFileSync(join(dir, outDir, compiledName(program)), program.source);
      continue;
    }
    const file = `examples/${program.name}.ts`;
    // `export {}` makes a program without imports a module, so top-level await is allowed.
    writeFileSync(join(dir, file), `${program.source}\nexport {};\n`);
    typescript.push(file);
  }
  return typescript;
}

/**
 * What must exist in a program's directory before it runs, as its README says: the trainer README's
 * `predict.mjs` reads the `net.onnx` that `kindling-train --export-onnx` wrote. `trainer` is the
 * command that runs kindling-train.
 */
export function prepareProgram({ source }, cwd, trainer) {
  if (!source.includes("readFileSync('net.onnx')")) return;
  const result = spawnSync(trainer[0], [...trainer.slice(1), '--iters', '0', '--export-onnx', 'net.onnx'], { cwd, encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`kindling-train --iters 0 --export-onnx net.onnx exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
}

/**
 * The checks a README states in its own words: the root README's training loop prints the live
 * tensor count every 100 steps and the test accuracy, and must stay flat and reach what it says.
 */
export function checkProgramOutput({ source }, stdout) {
  if (!source.includes('tensors alive') || !source.includes('test accuracy')) return;
  const counts = [...stdout.matchAll(/^step (\d+): loss [\d.]+, (\d+) tensors alive$/gm)].map((m) => ({ step: Number(m[1]), tensors: Number(m[2]) }));
  if (counts.length < 3) throw new Error(`the root README's training loop printed ${counts.length} step lines, expected 3 (steps 100, 200, 300):\n${stdout}`);
  const [first, ...later] = counts;
  const grown = later.filter(({ tensors }) => tensors > first.tensors);
  if (grown.length > 0) throw new Error(`the root README's training loop leaks: ${counts.map(({ step, tensors }) => `${tensors} tensors at step ${step}`).join(', ')}`);
  const accuracy = Number(/^test accuracy: ([\d.]+)%$/m.exec(stdout)?.[1]);
  const promised = 95;
  if (!(accuracy >= promised)) throw new Error(`the root README's training loop reached ${accuracy}% test accuracy, below the ${promised}% it promises:\n${stdout}`);
  return `${counts.map(({ step, tensors }) => `${tensors} tensors at step ${step}`).join(', ')}; test accuracy ${accuracy}%`;
}

/** The file tsc writes for a program. */
export function compiledName({ name, language }) {
  return `${name}.${language === 'ts' ? 'js' : 'mjs'}`;
}

/** Runs one compiled program in a scratch directory; it must exit 0 and print nothing on stderr. */
export function runProgram(file, { cwd, timeout = 300_000, env = process.env }) {
  const result = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout, env, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${file} exited with ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  if (result.stderr.trim() !== '') throw new Error(`${file} printed on stderr:\n${result.stderr}`);
  return result.stdout;
}

function workspaceCheck(filter, print) {
  const scratch = mkdtempSync(join(tmpdir(), 'kindling-readmes-'));
  try {
    // Each @kindling package resolves to this workspace's build, as the tarball's would.
    mkdirSync(join(scratch, 'node_modules', '@kindling'), { recursive: true });
    for (const group of ['packages', 'apps']) {
      for (const name of readdirSync(join(repoRoot, group))) {
        const manifest = join(repoRoot, group, name, 'package.json');
        if (!existsSync(manifest)) continue;
        const packageName = JSON.parse(readFileSync(manifest, 'utf8')).name;
        symlinkSync(join(repoRoot, group, name), join(scratch, 'node_modules', packageName));
      }
    }
    symlinkSync(join(repoRoot, 'node_modules', '@types'), join(scratch, 'node_modules', '@types'));
    symlinkSync(join(repoRoot, 'packages', 'onnx', 'node_modules', 'onnxruntime-web'), join(scratch, 'node_modules', 'onnxruntime-web'));
    writeFileSync(join(scratch, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    const programs = allPrograms(repoRoot).filter(({ name }) => !filter || name.includes(filter));
    const files = writePrograms(scratch, programs, 'out');
    writeFileSync(join(scratch, 'tsconfig.json'), JSON.stringify({ compilerOptions: strictCompilerOptions('out'), files }, null, 2));
    const tsc = spawnSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: scratch, encoding: 'utf8' });
    if (tsc.status !== 0) throw new Error(`tsc:\n${tsc.stdout}${tsc.stderr}`);
    const trainer = [process.execPath, join(repoRoot, 'apps', 'trainer', 'dist', 'cli.js')];
    for (const program of programs.filter(({ runs }) => runs)) {
      const started = performance.now();
      const cwd = mkdtempSync(join(scratch, 'run-'));
      prepareProgram(program, cwd, trainer);
      const stdout = runProgram(join(scratch, 'out', compiledName(program)), { cwd });
      const checked = checkProgramOutput(program, stdout);
      console.log(`${program.name}: ${((performance.now() - started) / 1000).toFixed(1)} s${checked ? `; ${checked}` : ''}`);
      if (print) console.log(stdout.replace(/^/gm, '  '));
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    const args = process.argv.slice(2);
    workspaceCheck(args.find((arg) => !arg.startsWith('--')), args.includes('--print'));
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  }
}
