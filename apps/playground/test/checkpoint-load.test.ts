import { serialize } from '@kindling/nn';
import { fullLike, setBackend, type Tensor } from '@kindling/tensor';
import { ConvNet, Net } from '@kindling/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../src/checkpoint.js';

/** The bytes of `net`'s weights as a .safetensors file, with `poisoned` (every tensor when '*') filled with `value`. */
function checkpoint(net: Net | ConvNet, poisoned?: string, value = NaN): Promise<Uint8Array> {
  const weights: Record<string, Tensor> = net.stateDict();
  for (const name of Object.keys(weights)) {
    if (poisoned === '*' || poisoned === name) weights[name] = fullLike(weights[name] as Tensor, value);
  }
  return serialize(weights);
}

beforeAll(async () => {
  await setBackend('cpu');
});

describe('a checkpoint loaded into the playground', () => {
  it('is refused when all-NaN, naming the file and the first tensor', async () => {
    const bytes = await checkpoint(new Net(), '*');
    expect(() => readCheckpoint(bytes, 'nan.safetensors')).toThrow(
      'nan.safetensors has non-finite weights (inToHl1.weight holds 401408 NaN or infinite values of 401408), which would make every probability NaN; they are not used',
    );
  });

  it("is refused for one infinite tensor in the cnn's last layer", async () => {
    const bytes = await checkpoint(new ConvNet(), 'fc2.bias', -Infinity);
    expect(() => readCheckpoint(bytes, 'inf.safetensors')).toThrow('inf.safetensors has non-finite weights (fc2.bias holds 10 NaN or infinite values of 10)');
  });

  it('gives finite weights, on cpu, for the network to copy to its device', async () => {
    const tensors = readCheckpoint(await checkpoint(new Net()), 'net.safetensors');
    expect(Object.keys(tensors)).toEqual(['inToHl1.weight', 'inToHl1.bias', 'hl1ToHl2.weight', 'hl1ToHl2.bias', 'hl2ToOut.weight', 'hl2ToOut.bias']);
    expect(tensors['hl2ToOut.bias']?.device).toBe('cpu');
  });
});
