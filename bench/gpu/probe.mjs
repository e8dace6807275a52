/*
 * The GPU kit's first check: which WebGPU adapter Dawn finds, and whether Kindling's `webgpu`
 * backend starts on it and multiplies the tutorial's first-layer shape correctly. pack.sh copies it
 * into the kit's app folder, so that its imports resolve there.
 *
 * Usage: node probe.mjs [adapter.json]
 * Exit status: 0 ready; 2 no adapter (or Dawn does not load): skip the webgpu run;
 * 3 an adapter answered but the backend's check failed: the trainer may still run and say why.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const report = { adapter: null, backend: null, problem: null };

function finish(code, problem) {
  if (problem) report.problem = problem;
  if (process.argv[2]) writeFileSync(process.argv[2], `${JSON.stringify(report, null, 2)}\n`);
  if (problem) console.error(`probe: ${problem}`);
  process.exit(code);
}

// The `webgpu` package that @kindling/backend-webgpu depends on (gpu.js brings an older one).
let gpu;
try {
  const fromBackend = createRequire(join(here, 'node_modules/@kindling/backend-webgpu/package.json'));
  const dawn = await import(pathToFileURL(fromBackend.resolve('webgpu')).href);
  gpu = dawn.create([]);
} catch (error) {
  finish(2, `Dawn (the 'webgpu' package) does not load: ${error instanceof Error ? error.message : String(error)}`);
}
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) finish(2, 'no WebGPU adapter answered: check that a Vulkan loader (libvulkan.so.1) and the NVIDIA ICD (VK_DRIVER_FILES) are found');

const { info, limits } = adapter;
report.adapter = {
  vendor: info.vendor,
  architecture: info.architecture,
  device: info.device,
  description: info.description,
  isFallbackAdapter: info.isFallbackAdapter ?? null,
  maxBufferSize: limits.maxBufferSize,
  maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
  maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
  features: [...adapter.features].sort(),
};
console.log(`adapter: ${info.vendor} / ${info.architecture} / ${info.device} / ${info.description}${info.isFallbackAdapter ? ' (a CPU fallback adapter, not a GPU)' : ''}`);
console.log(`limits: maxBufferSize ${limits.maxBufferSize}, maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}, workgroup storage ${limits.maxComputeWorkgroupStorageSize} B`);

// The backend's own start (through the registry, as the trainer does) and one checked matmul.
try {
  const kindling = await import('@kindling/tensor');
  const { registerWebGpuBackend } = await import('@kindling/backend-webgpu');
  registerWebGpuBackend();
  const started = performance.now();
  await kindling.setBackend('webgpu');
  const [m, k, n] = [128, 784, 512];
  const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
  const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
  const product = kindling.matmul(kindling.fromValues(a, [m, k]), kindling.fromValues(b, [k, n]));
  const got = await product.data();
  let worst = 0;
  for (let row = 0; row < m; row += 17) {
    for (let col = 0; col < n; col += 13) {
      let expected = 0;
      for (let i = 0; i < k; i++) expected += a[row * k + i] * b[i * n + col];
      worst = Math.max(worst, Math.abs(got[row * n + col] - expected));
    }
  }
  report.backend = { startMs: performance.now() - started, matmulMaxAbsError: worst };
  console.log(`backend 'webgpu' started in ${report.backend.startMs.toFixed(0)} ms; ${m}x${k}x${n} matmul max abs error ${worst.toExponential(2)}`);
  if (!(worst < 1e-2)) finish(3, `the ${m}x${k}x${n} matmul is wrong on this adapter (max abs error ${worst})`);
} catch (error) {
  finish(3, `the webgpu backend did not pass its check: ${error instanceof Error ? error.message : String(error)}`);
}
finish(0);
