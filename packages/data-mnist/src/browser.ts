/**
 * @kindling/data-mnist in browsers (the package's `browser` export condition): MNIST read from URLs
 * with `fetchDataSets`, inflated with `DecompressionStream` and checked with the Web Crypto API.
 * It imports no Node module; the file system's sources and the downloads are the Node entry's.
 */
export * from './portable.js';
export { readIdxImages as parseIdxImages, readIdxLabels as parseIdxLabels, readIdxPair as parseIdxPair } from './idx-format.js';
