import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setBackend, tensor } from '@kindling/tensor';
import { expect, it } from 'vitest';
import { registerWebGpuBackend } from '../../src/index.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/*
 * Dawn's bindings do not keep the instance alive from the devices made from it; when it was
 * collected, the next event Dawn processed crashed the whole process. The backend now holds it.
 */
it("keeps Dawn's instance alive for as long as its device works", async () => {
  registerWebGpuBackend();
  await setBackend('webgpu');
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const product = tensor([[1, 2, 3]]).matmul(tensor([[1], [2], [3]]));
  expect(Array.from(await product.data())).toEqual([14]);
});
