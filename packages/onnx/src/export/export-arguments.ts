/* What the caller passes to exportOnnx, checked: the sample inputs and the graph's input and output names. */
import { Variable } from '@kindling/autograd';
import type { Input, Module } from '@kindling/nn';
import { isTensor } from '@kindling/tensor';
import { OnnxExportError } from '../errors.js';
import type { GraphBuilder } from './graph-builder.js';

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

const SAMPLE_INPUTS_EXAMPLE = 'exportOnnx(model, randn([1, 784])), or exportOnnx(model, [images, mask]) for several';

/** `sampleInputs` as a list of at least one Tensor or Variable: the export runs forward once on them. */
export function sampleInputList(module: Module, sampleInputs: Input | readonly Input[] | undefined): Input[] {
  const inputs: unknown[] = Array.isArray(sampleInputs) ? sampleInputs : sampleInputs === undefined ? [] : [sampleInputs];
  const model = module.constructor.name;
  if (inputs.length === 0) {
    const takes = module.forward.length === 0 ? '' : ` (${model}.forward takes ${plural(module.forward.length, 'input')})`;
    throw new OnnxExportError(
      'sampleInputs',
      '',
      `exportOnnx: no sample inputs were given${takes}; the export runs forward once on a sample of each input, of the shapes the model will see: ${SAMPLE_INPUTS_EXAMPLE}`,
    );
  }
  inputs.forEach((input, i) => {
    if (!(input instanceof Variable) && !isTensor(input)) {
      throw new OnnxExportError('sampleInputs', '', `exportOnnx: sample input ${i} of ${model}.forward is ${input === null ? 'null' : typeof input}; each sample input must be a Tensor or Variable`);
    }
  });
  return inputs as Input[];
}

/**
 * What forward threw, told with the count of inputs where fewer samples were given than forward
 * has parameters. An optional parameter counts too, so fewer samples alone are no error; but where
 * forward then fails, the missing input is the likely cause ("Variable: expected a Tensor, got undefined").
 */
export function withInputCount(module: Module, given: number, error: unknown): unknown {
  const takes = module.forward.length;
  if (given >= takes || !(error instanceof Error) || error instanceof OnnxExportError) return error;
  return new OnnxExportError(
    'sampleInputs',
    '',
    `exportOnnx: ${module.constructor.name}.forward takes ${plural(takes, 'input')} but ${plural(given, 'sample input')} ${given === 1 ? 'was' : 'were'} given, and it failed: ${error.message}; ` +
      `pass a sample of each input: ${SAMPLE_INPUTS_EXAMPLE}`,
  );
}

/** The graph's input or output names: those `given`, then `base` (one value) or `base_0`, `base_1`, ... */
export function graphNames(given: readonly string[] | undefined, count: number, base: 'input' | 'output'): string[] {
  if (given !== undefined && given.length > count) {
    const values = base === 'input' ? `${plural(count, 'sample input')} given` : `${plural(count, 'output')} forward returns`;
    throw new OnnxExportError(`${base}Names`, '', `exportOnnx: ${base}Names has ${plural(given.length, 'name')} for the ${values}`);
  }
  return Array.from({ length: count }, (_, i) => given?.[i] ?? (count === 1 ? base : `${base}_${i}`));
}

/**
 * ONNX defines each value once: a graph input and an output of the same name, or an input named
 * like a parameter (an initializer), is a file ONNX Runtime rejects or reads differently. The names
 * are the caller's to choose, so a clash is an error that names both holders, not a silent rename.
 */
export function assertDistinctNames(inputNames: readonly string[], outputNames: readonly string[], builder: GraphBuilder): void {
  const holders = new Map<string, string>();
  for (const initializer of builder.initializers) holders.set(initializer.name ?? '', `the parameter or constant '${initializer.name}' of the model`);
  for (const node of builder.nodes) for (const output of node.output ?? []) holders.set(output, `a value inside the graph (the output of node '${node.name}')`);
  const named = [...inputNames.map((name, i) => [name, `input ${i}`] as const), ...outputNames.map((name, i) => [name, `output ${i}`] as const)];
  const graphValues = new Map<string, string>();
  for (const [name, holder] of named) {
    const other = graphValues.get(name) ?? holders.get(name);
    if (other !== undefined) {
      throw new OnnxExportError(
        'names',
        '',
        `exportOnnx: the name '${name}' is given to both ${other} and ${holder}; an ONNX graph names each value once (ONNX Runtime rejects the file), so pass inputNames and outputNames that differ from each other and from the model's parameter names`,
      );
    }
    graphValues.set(name, holder);
  }
}
