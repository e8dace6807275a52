import { checkSha256 } from './checksum.js';
import { gunzipIdx } from './gunzip-stream.js';
import { readIdxPair } from './idx-format.js';
import { MNIST_SHA256, type MnistFileName } from './mnist-files.js';
import { checkLabels, checkNumClasses, splitDataSets, SPLIT_FILES, type SplitOptions, type SplitSets } from './splits.js';

export interface FetchDataSetsOptions extends SplitOptions {
  /**
   * The URL of the folder that holds the four files, each fetched as `<baseUrl><name><suffix>`. A
   * relative URL (`'mnist/'`) resolves against the page's address.
   */
  baseUrl: string | URL;
  /** Appended to each file name (default `'.gz'`); `''` for raw IDX files. Gzip'd bytes are inflated whatever the name says. */
  suffix?: string;
  /**
   * Check each file's decompressed bytes against its SHA-256 (`checksums`, by default
   * `MNIST_SHA256`) with the Web Crypto API (default true; browsers offer it only to https and
   * localhost pages). Pass false to read other data under MNIST's file names.
   */
  verify?: boolean;
  checksums?: Partial<Record<MnistFileName, string>>;
  /** Labels must be below this (default 10, MNIST's digits). */
  numClasses?: number;
  /** The `fetch` to use (default: the global one). */
  fetch?: typeof fetch;
}

/** The three sets, and the URL each file was read from. */
export interface FetchedDataSets extends SplitSets {
  urls: Record<MnistFileName, string>;
}

/** `baseUrl` as an absolute folder URL (ending in '/'). */
function folderUrl(baseUrl: string | URL): URL {
  const page = (globalThis as { location?: { href?: string } }).location?.href;
  const text = String(baseUrl);
  try {
    return new URL(text.endsWith('/') ? text : `${text}/`, page);
  } catch {
    throw new TypeError(`fetchDataSets: baseUrl '${text}' is not a URL${page === undefined ? ' (a relative URL needs a page to resolve against; give an absolute one)' : ''}`);
  }
}

/** One file's IDX bytes: fetched, inflated, and checked against its SHA-256 unless `verify` is false. */
async function fetchIdx(url: string, name: MnistFileName, options: FetchDataSetsOptions): Promise<Uint8Array> {
  const fetchFile = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await fetchFile(url);
  } catch (error) {
    throw new Error(`fetchDataSets: could not fetch ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (!response.ok) throw new Error(`fetchDataSets: ${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}; it should serve MNIST's ${name}`);
  const data = await gunzipIdx(new Uint8Array(await response.arrayBuffer()), url);
  if (options.verify ?? true) await checkSha256(data, options.checksums?.[name] ?? MNIST_SHA256[name], url);
  return data;
}

/**
 * MNIST from URLs, split as `readDataSets` splits it (TensorFlow's `read_data_sets`: 55,000
 * training, 5,000 validation and 10,000 test examples): the browser's way to read the files, with
 * `fetch`, `DecompressionStream` and the Web Crypto API, and no Node module. The four files are
 * fetched at once; each is inflated if it is gzip'd, checked against its SHA-256 unless `verify`
 * is false, parsed with the same checks as on Node, and its labels checked against `numClasses`.
 *
 * @example
 * // the four files served beside the page as mnist/<name>.gz
 * const { train, validation, test } = await fetchDataSets({ baseUrl: 'mnist/', seed: 0 });
 */
export async function fetchDataSets(options: FetchDataSetsOptions): Promise<FetchedDataSets> {
  const numClasses = checkNumClasses(options.numClasses, 'fetchDataSets');
  const folder = folderUrl(options.baseUrl);
  const suffix = options.suffix ?? '.gz';
  const names = [...SPLIT_FILES.train, ...SPLIT_FILES.test];
  const urls = Object.fromEntries(names.map((name) => [name, new URL(`${name}${suffix}`, folder).href])) as Record<MnistFileName, string>;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(names.map((name) => fetchIdx(urls[name], name, options)));
  const pair = (images: Uint8Array | undefined, labels: Uint8Array | undefined, [imagesName, labelsName]: [MnistFileName, MnistFileName]) => {
    const examples = readIdxPair(images as Uint8Array, urls[imagesName], labels as Uint8Array, urls[labelsName]);
    checkLabels(examples.labels, urls[labelsName], numClasses);
    return examples;
  };
  const train = pair(trainImages, trainLabels, SPLIT_FILES.train);
  const test = pair(testImages, testLabels, SPLIT_FILES.test);
  return { ...splitDataSets(train, test, options, 'fetchDataSets'), urls };
}
