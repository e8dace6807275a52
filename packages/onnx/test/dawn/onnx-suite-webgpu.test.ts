import { registerWebGpuBackend } from '@kindling/backend-webgpu';
import { listCases, SUITES } from '../conformance/onnx-cases.js';
import { unsupportedOps } from '../conformance/run-case.js';
import { describeConformance } from '../conformance/suite.js';

registerWebGpuBackend();

// The cases whose ops are supported (the others are counted on cpu and workers): on SwiftShader's
// software Vulkan they take about a minute.
const supported = SUITES.flatMap((suite) => listCases(suite)).filter((onnxCase) => unsupportedOps(onnxCase).length === 0);

describeConformance('webgpu', supported, 'every case whose ops are supported, on Dawn');
