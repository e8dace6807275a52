// Dispatches of exact GELU and of layer normalisation on webgpu, forward and backward, as `pnpm
// bench` records them: what a transformer block pays per activation and per norm in host-recorded
// GPU work. Counted by the backend (stats().dispatches), so SwiftShader serves as well as a GPU.
//
// Usage: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bench/dispatches.mjs;
// prints one JSON object.
import { Variable } from '@kindling/autograd';
import { functional as F } from '@kindling/nn';
import { findBackend, manualSeed, ones, randn, setBackend, zeros } from '@kindling/tensor';
import { registerBackends } from '@kindling/trainer';

registerBackends();
await setBackend('webgpu');
const backend = findBackend('webgpu');
manualSeed(0);
const shape = [8, 32, 64];

/** Dispatches of `forward()` and of the backward pass from its output, after one warm-up of both. */
async function count(forward) {
  const dispatches = () => backend.stats().dispatches;
  const run = async () => {
    const x = new Variable(randn(shape), { requiresGrad: true });
    const gradient = randn(shape);
    await backend.flush();
    const before = dispatches();
    const y = forward(x);
    // The backend holds the last elementwise chain back until something else comes: a flush
    // encodes it, so that each pass is charged its own dispatches.
    await backend.flush();
    const afterForward = dispatches();
    y.backward(gradient);
    await backend.flush();
    const afterBackward = dispatches();
    await x.grad.data();
    return { forward: afterForward - before, backward: afterBackward - afterForward };
  };
  await run();
  return run();
}

const weight = new Variable(ones([64]), { requiresGrad: true });
const bias = new Variable(zeros([64]), { requiresGrad: true });
console.log(
  JSON.stringify({
    gelu: await count((x) => F.gelu(x)),
    layerNorm: await count((x) => F.layerNorm(x, [64], { weight, bias })),
  }),
);
process.exit(0);
