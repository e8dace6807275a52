import { setBackend } from '@kindling/tensor';
import { describeNnConformance } from '../../../nn/test/conformance/index.js';
import { registerWebGpuBackend } from '../../src/index.js';

registerWebGpuBackend();
// describeNnConformance asks the backend for its dtypes while collecting, so start it first.
await setBackend('webgpu');
// In Chromium there is no file system: the suite reports its file tests as skipped there.
describeNnConformance('webgpu', { fileSystem: !('document' in globalThis) });
