/**
 * What a model asks for that Kindling cannot do: an op, an attribute value or an element type.
 * `reason` is the short form ("op NonZero", "Pad mode 'reflect'", "dtype uint8") that the
 * conformance runner groups skipped cases by; the message says where and what is supported.
 */
export class OnnxUnsupportedError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'OnnxUnsupportedError';
  }
}

/**
 * A file that is not a valid ONNX model, which ONNX Runtime refuses too: no opset for the default
 * domain, a graph output no node produces, a cycle, a name defined twice, a negative dim. The
 * message names the node, its op and the opset, or the value, and says what to do.
 */
export class OnnxImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxImportError';
  }
}

/** A graph that cannot be exported as it is: `op` names the Kindling op, `modulePath` where it ran. */
export class OnnxExportError extends Error {
  constructor(
    readonly op: string,
    readonly modulePath: string,
    message: string,
  ) {
    super(message);
    this.name = 'OnnxExportError';
  }
}
