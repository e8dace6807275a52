import { getBackend } from '@kindling/tensor';
import { decodeModel } from '../proto/proto.js';
import { prepareGraph } from './graph.js';
import { OnnxModel } from './onnx-model.js';

export interface ImportOnnxOptions {
  /** The backend the parameters live on and the graph runs on (default: the current backend). */
  device?: string;
}

/**
 * Reads an ONNX model (the bytes of a `.onnx` file) as a Module that runs the graph with
 * Kindling's ops, its floating-point initializers as Parameters named as in the file. An op,
 * attribute or element type Kindling cannot run is an `OnnxUnsupportedError` here, naming the
 * node, the op type and the opset, and listing what is supported.
 *
 * @example
 * const model = importOnnx(readFileSync('mnist.onnx'));
 * const logits = model.forward(images);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 }); // fine-tune it
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): OnnxModel {
  const graph = prepareGraph(decodeModel(bytes));
  return new OnnxModel(graph, options.device ?? getBackend().name);
}
