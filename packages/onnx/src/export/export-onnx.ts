import { noGrad, traceOps, Variable, type OpTracer, type TracedOp } from '@kindling/autograd';
import { Module, writeFileAtomically, type Input } from '@kindling/nn';
import { isTensor, type Tensor } from '@kindling/tensor';
import { OnnxExportError } from '../errors.js';
import { encodeModel, type ValueInfoProto } from '../proto/proto.js';
import { onnxDType } from '../tensor-proto.js';
import { checkGraphMatchesForward, type DynamicAxes } from './check-export.js';
import { EmitContext } from './emit-context.js';
import { GraphBuilder } from './graph-builder.js';
import { assertDistinctNames, graphNames, sampleInputList, withInputCount } from './export-arguments.js';
import { LAYER_EMITTERS } from './layer-emitters.js';
import { PRIMITIVE_EMITTERS } from './primitive-emitters.js';
import { recurrentComposite } from './recurrent-emitters.js';
import { TracedReads } from './traced-reads.js';

export interface ExportOnnxOptions {
  /** The ONNX opset to write, 13 to 18 (default 17). */
  opset?: number;
  /** The graph's input names, in the order of `sampleInputs` (default `input`, or `input_0`, `input_1`, ...). */
  inputNames?: readonly string[];
  /** The graph's output names (default `output`, or `output_0`, ...). */
  outputNames?: readonly string[];
  /** Dims that may vary, by input or output name: `{ input: { 0: 'batch' }, output: { 0: 'batch' } }`, as PyTorch's `dynamic_axes`. */
  dynamicAxes?: DynamicAxes;
  /**
   * Run the written graph and `forward` on other inputs of the sample's shapes, and with each dim
   * named in `dynamicAxes` at another extent, and fail if they disagree, which is how a value or an
   * extent the trace froze shows (default true).
   */
  check?: boolean;
  /**
   * Accept host reads in forward (`item()`, `itemSync()`, `dataSync()`, ...) of values computed
   * from the inputs, writing the value the sample gave as a constant, with one warning (default
   * false: such a read is an `OnnxExportError`, as a branch on it would not follow other inputs).
   */
  allowHostReads?: boolean;
}

const OPSETS = [13, 14, 15, 16, 17, 18];
const IR_VERSION = 8;

/** The value of `forward` as a list of tensors: one Variable or Tensor, or an array of them. */
function outputTensors(result: unknown): Tensor[] {
  if (result instanceof Promise) {
    // Forward goes on, untraced, after its first await: a failure there is not this export's, and must not surface as an unhandled rejection.
    void result.catch(() => undefined);
    throw new Error('exportOnnx: forward returned a Promise; the export traces one synchronous forward pass, so read values with await outside forward (or with itemSync()/dataSync())');
  }
  // Nested arrays are flattened and nulls left out, as PyTorch's exporter does with tuples and None:
  // LSTM's [output, [hN, cN]] is three outputs, MultiheadAttention's [output, null] one.
  const items = Array.isArray(result) ? (result as unknown[]).flat(Infinity).filter((item) => item !== null) : [result];
  return items.map((item, i) => {
    if (item instanceof Variable) return item.data;
    if (isTensor(item)) return item;
    throw new Error(`exportOnnx: forward returned ${Array.isArray(result) ? `an array whose item ${i} is` : ''} ${typeof item}; it must return a Variable or Tensor, or an array of them`);
  });
}

function valueInfo(name: string, tensor: Tensor, dynamic: Readonly<Record<number, string>> | undefined): ValueInfoProto {
  const dim = tensor.shape.map((extent, d) => (dynamic?.[d] !== undefined ? { dimParam: dynamic[d] } : { dimValue: extent }));
  return { name, type: { tensorType: { elemType: onnxDType(tensor.dtype), shape: { dim } } } };
}

/** Runs `fn` with each submodule's `forward` telling `scopes` where the ops inside it run. */
function withModuleScopes<T>(module: Module, scopes: string[], fn: () => T): T {
  const patched = module.namedModules().filter(([path]) => path !== '');
  for (const [path, child] of patched) {
    const original = recurrentComposite(child, child.forward.bind(child) as (...args: unknown[]) => unknown);
    const forward = (...args: unknown[]): unknown => {
      scopes.push(`/${path.replace(/\./g, '/')}`);
      try {
        return original(...args);
      } finally {
        scopes.pop();
      }
    };
    Object.defineProperty(child, 'forward', { value: forward, configurable: true, writable: true, enumerable: false });
  }
  try {
    return fn();
  } finally {
    for (const [, child] of patched) delete (child as { forward?: unknown }).forward;
  }
}

/** Runs `fn` with every module in evaluation mode, then puts each one's mode back. */
function inEvalMode<T>(module: Module, fn: () => T): T {
  const modes = module.modules().map((m) => [m, m.training] as const);
  module.eval();
  try {
    return fn();
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

/**
 * Traces one forward pass of `module` on `sampleInputs` (in evaluation mode, as PyTorch's
 * `torch.onnx.export`) and writes it as an ONNX model: nn's layers as ONNX's ops (Linear as Gemm,
 * Conv2d as Conv, BatchNorm as BatchNormalization, Dropout as nothing), the parameters and buffers
 * as initializers under their `stateDict()` names. An op that ONNX cannot express is an
 * `OnnxExportError` naming the op and the module it ran in; so is a host read in forward (`item()`,
 * `itemSync()`, `dataSync()`, ...) of a value computed from the inputs, whose number the graph
 * would freeze, unless `allowHostReads` accepts it. The graph is then run on other inputs of the
 * sample's shapes beside `forward`, and an `OnnxExportError` says so if they disagree (a value
 * computed outside the trace, such as a plain Tensor op on `.data`). The model's tensors must be on
 * a synchronous backend (`cpu`, `workers`).
 *
 * @example
 * const bytes = exportOnnx(net, zeros([1, 784]), { dynamicAxes: { input: { 0: 'batch' }, output: { 0: 'batch' } } });
 */
export function exportOnnx(module: Module, sampleInputs: Input | readonly Input[], options: ExportOnnxOptions = {}): Uint8Array {
  const opset = options.opset ?? 17;
  if (!OPSETS.includes(opset)) throw new RangeError(`exportOnnx: opset ${opset} is not supported (supported: ${OPSETS.join(', ')})`);
  const inputs = sampleInputList(module, sampleInputs);
  const inputTensors = inputs.map((input) => (input instanceof Variable ? input.data : input));
  const inputNames = graphNames(options.inputNames, inputs.length, 'input');
  const stateNames = new Map<Tensor, string>([...module.namedBuffers(), ...module.namedParameters().map(([name, p]) => [name, p.data] as const)].map(([name, t]) => [t, name]));
  const builder = new GraphBuilder(opset, stateNames);
  inputTensors.forEach((t, i) => builder.bind(t, inputNames[i] as string));

  const scopes: string[] = [];
  const reads = new TracedReads(inputTensors, inputNames, () => scopes.at(-1) ?? '');
  const tracer: OpTracer = {
    takesComposite: (op, opInputs, attrs) => {
      const emitter = LAYER_EMITTERS[op];
      return emitter !== undefined && (emitter.takes?.(opInputs, attrs as Record<string, unknown>, opset) ?? true);
    },
    record: (op: TracedOp) => {
      const scope = scopes.at(-1) ?? '';
      const ctx = new EmitContext(op, scope, builder);
      const emit = PRIMITIVE_EMITTERS[op.op] ?? LAYER_EMITTERS[op.op]?.emit;
      if (emit === undefined) throw ctx.fail(`ONNX export does not support this op (it supports ${[...Object.keys(PRIMITIVE_EMITTERS), ...Object.keys(LAYER_EMITTERS)].sort().join(', ')})`);
      builder.bind(op.output, emit(ctx));
      reads.follow(op);
    },
  };
  const forward = module.forward.bind(module) as (...args: Input[]) => unknown;
  const tracedForward = recurrentComposite(module, forward as (...args: unknown[]) => unknown);
  let result: unknown;
  try {
    result = inEvalMode(module, () => noGrad(() => withModuleScopes(module, scopes, () => reads.run(options.allowHostReads ?? false, () => traceOps(tracer, () => tracedForward(...inputs))))));
  } catch (error) {
    throw withInputCount(module, inputs.length, error);
  }
  const outputs = outputTensors(result);

  const outputNames = graphNames(options.outputNames, outputs.length, 'output');
  assertDistinctNames(inputNames, outputNames, builder);
  outputs.forEach((t, i) => {
    const [identity] = builder.node('Identity', [builder.nameOf(t, '')], {}, '', t.dtype);
    builder.rename(identity as string, outputNames[i] as string);
  });
  // Parameters and buffers in stateDict() order, then the constants, whatever order the ops used them in.
  const stateOrder = new Map(Object.keys(module.stateDict()).map((name, i) => [name, i]));
  const rank = (name: string | undefined): number => stateOrder.get(name ?? '') ?? stateOrder.size;
  builder.initializers.sort((a, b) => rank(a.name) - rank(b.name));
  const dynamic = options.dynamicAxes ?? {};
  for (const name of Object.keys(dynamic)) {
    if (!inputNames.includes(name) && !outputNames.includes(name)) throw new OnnxExportError('dynamicAxes', '', `exportOnnx: dynamicAxes names '${name}', which is neither an input (${inputNames.join(', ')}) nor an output (${outputNames.join(', ')})`);
  }
  const bytes = encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'kindling',
    graph: {
      name: module.constructor.name,
      node: builder.nodes,
      initializer: builder.initializers,
      input: inputTensors.map((t, i) => valueInfo(inputNames[i] as string, t, dynamic[inputNames[i] as string])),
      output: outputs.map((t, i) => valueInfo(outputNames[i] as string, t, dynamic[outputNames[i] as string])),
    },
  });
  if (options.check ?? true) {
    const forwardOutputs = (varied: readonly Tensor[]): Tensor[] => outputTensors(forward(...varied));
    inEvalMode(module, () => checkGraphMatchesForward(bytes, forwardOutputs, inputTensors, inputNames, outputNames, module.constructor.name, dynamic));
  }
  return bytes;
}

/**
 * `exportOnnx`, written to `path` atomically (a temporary file renamed into place), so a failed
 * export never leaves a partial model and never destroys an earlier one.
 *
 * @example
 * await saveOnnx('mnist.onnx', net, zeros([1, 784]));
 */
export async function saveOnnx(path: string, module: Module, sampleInputs: Input | readonly Input[], options: ExportOnnxOptions = {}): Promise<void> {
  const bytes = exportOnnx(module, sampleInputs, options);
  await writeFileAtomically(path, (write) => write(bytes), 'saveOnnx');
}
