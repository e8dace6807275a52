import { registerWebGpuBackend } from '@kindling/backend-webgpu';
import { listCases, SUITES } from '../conformance/onnx-cases.js';
import { unsupportedOps } from '../conformance/run-case.js';
import { describeConformance } from '../conformance/suite.js';

registerWebGpuBackend();

/**
 * Every SAMPLE-th case whose ops are supported (the others are counted on cpu and workers). On
 * SwiftShader's software Vulkan all of them take about 100 s of a 2-core machine, which the rest of
 * the test run needs; ONNX_WEBGPU_SAMPLE=1 runs them all.
 */
const SAMPLE = Number(process.env.ONNX_WEBGPU_SAMPLE ?? 4);

const supported = SUITES.flatMap((suite) => listCases(suite)).filter((onnxCase) => unsupportedOps(onnxCase).length === 0);

describeConformance('webgpu', supported.filter((_, i) => i % SAMPLE === 0), SAMPLE === 1 ? 'every supported case, on Dawn' : `every ${SAMPLE}th supported case, on Dawn`);
