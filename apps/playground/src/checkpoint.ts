import { deserialize } from '@kindling/nn';
import type { Tensor } from '@kindling/tensor';
import { nonFiniteWeights } from '@kindling/models';

/**
 * Throws, after freeing every tensor of `tensors`, an error naming `fileName` and the first tensor
 * with NaN or infinite values: such weights would make every probability NaN. The tensors must be
 * on `cpu`, where that check is synchronous.
 */
export function refuseNonFiniteWeights(tensors: Readonly<Record<string, Tensor>>, fileName: string): void {
  const nonFinite = nonFiniteWeights(tensors);
  if (nonFinite === undefined) return;
  for (const tensor of Object.values(tensors)) tensor.dispose();
  throw new Error(`${fileName} has non-finite weights (${nonFinite}), which would make every probability NaN; they are not used`);
}

/**
 * The tensors of a `.safetensors` file, refusing weights with NaN or infinite values (the error
 * names the file and the tensor): they would show NaN% for every digit. Read on `cpu`, where that
 * check is synchronous; loading them into a network copies them to its device.
 */
export function readCheckpoint(bytes: Uint8Array, fileName: string): Record<string, Tensor> {
  const { tensors } = deserialize(bytes, fileName, 'cpu');
  refuseNonFiniteWeights(tensors, fileName);
  return tensors;
}
