import { getBackend } from '@kindling/tensor';
import { OnnxImportError } from '../errors.js';
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
 * node, the op type and the opset, and listing what is supported; a file that is not a valid ONNX
 * model (no opset for ONNX's domain, a cycle, a name defined twice, an output nothing produces) is
 * an `OnnxImportError`, and a weight larger than the backend holds a `RangeError`, both before
 * any weight is read.
 *
 * @example
 * const model = importOnnx(readFileSync('mnist.onnx'));
 * const logits = model.forward(images);
 * const optimizer = new Adam(model.parameters(), { lr: 1e-3 }); // fine-tune it
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): OnnxModel {
  if (typeof bytes === 'string') {
    throw new TypeError(`importOnnx takes the bytes of a model, not a path: read the file first, importOnnx(readFileSync('${String(bytes)}'))`);
  }
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`importOnnx takes the bytes of a model (a Uint8Array or Buffer), got ${Object.prototype.toString.call(bytes)}`);
  if (bytes.length === 0) throw new OnnxImportError('importOnnx: the file is empty (0 bytes), not an ONNX model; check that it was written completely');
  const device = options.device ?? getBackend().name;
  return new OnnxModel(prepareGraph(decodeModel(bytes), device), device);
}
