import { readFile, stat } from 'node:fs/promises';
import { decompressIfGzip } from './idx.js';
import { readIdxPair, type IdxExamples } from './idx-format.js';
import { MNIST_SHA256, type MnistFileName } from './mnist-files.js';
import { defaultCacheDir, resolveMnistFiles, type MnistFiles, type SourceOptions } from './sources.js';
import { checkLabels, checkNumClasses, SPLIT_FILES, type MnistSplit } from './splits.js';
import { VerifiedFiles } from './verify.js';

/** Where the MNIST files come from and how they are checked: what `readDataSets` and `MNIST.load` share. */
export interface ReadMnistOptions extends SourceOptions {
  /**
   * Check each file against its SHA-256 (`checksums`, by default `MNIST_SHA256`) before using it
   * (default true). A file found intact is remembered by size and modification time in the cache
   * directory, so the check is paid once. Pass false to read other data under MNIST's file names.
   */
  verify?: boolean;
  /** Labels must be below this (default 10, MNIST's digits); a label out of range is an error naming the file. */
  numClasses?: number;
}

interface ReadContext {
  files: MnistFiles;
  verified?: VerifiedFiles;
  checksums: Partial<Record<MnistFileName, string>>;
  numClasses: number;
}

/** One file's IDX bytes, decompressed and, when verifying, checked against its known SHA-256. */
async function readIdx(context: ReadContext, name: MnistFileName): Promise<Uint8Array> {
  const path = context.files.paths[name];
  const [bytes, stats] = await Promise.all([readFile(path), stat(path)]);
  const data = decompressIfGzip(bytes, path);
  const sha256 = context.checksums[name] ?? MNIST_SHA256[name];
  if (context.verified && !context.verified.isVerified(path, stats, sha256)) context.verified.check(path, stats, data, sha256);
  return data;
}

async function readPair(context: ReadContext, imagesName: MnistFileName, labelsName: MnistFileName) {
  const [images, labels] = await Promise.all([readIdx(context, imagesName), readIdx(context, labelsName)]);
  const { paths } = context.files;
  const pair = readIdxPair(images, paths[imagesName], labels, paths[labelsName]);
  checkLabels(pair.labels, paths[labelsName], context.numClasses);
  return pair;
}

/**
 * The examples of each split asked for, read from the first source that has the four files (see
 * `resolveMnistFiles`), each file checked against its SHA-256 unless `verify` is false, and every
 * label against `numClasses`; `where` names the caller in errors.
 */
export async function readMnistSplits<S extends MnistSplit>(
  options: ReadMnistOptions,
  splits: readonly S[],
  where: string,
): Promise<{ files: MnistFiles; examples: Record<S, IdxExamples> }> {
  const numClasses = checkNumClasses(options.numClasses, where);
  const files = await resolveMnistFiles(options);
  const verified = options.verify === false ? undefined : await VerifiedFiles.open(options.cacheDir ?? defaultCacheDir());
  const context: ReadContext = { files, verified, checksums: options.checksums ?? {}, numClasses };
  const pairs = await Promise.all(splits.map((split) => readPair(context, SPLIT_FILES[split][0], SPLIT_FILES[split][1])));
  await verified?.save();
  const examples = Object.fromEntries(splits.map((split, i) => [split, pairs[i]])) as Record<S, IdxExamples>;
  return { files, examples };
}
