/**
 * @kindling/data: datasets and data loaders in the shape of `torch.utils.data`.
 */
export { defaultCollate, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export { checkIndex, ConcatDataset, Subset, type Dataset, type ItemOf } from './dataset.js';
export { DeviceDataset, type DeviceBatch } from './device-dataset.js';
export { permutation } from './permutation.js';
export { randomSplit, type RandomSplitOptions, type SubsetsFor } from './random-split.js';
export { TensorDataset, type TensorRows } from './tensor-dataset.js';
