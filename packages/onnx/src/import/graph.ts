import { isFloatingDType } from '@kindling/tensor';
import { OnnxUnsupportedError } from '../errors.js';
import { ONNX_DTYPE, type GraphProto, type ModelProto, type NodeProto, type ValueInfoProto } from '../proto/proto.js';
import { kindlingDType, onnxDType, readTensorProto, type HostTensor } from '../tensor-proto.js';
import { Attributes } from './attributes.js';
import { ONNX_OPS, SUPPORTED_ONNX_OPS } from './op-table.js';
import type { NodeContext, OnnxOp, OpResult } from './op-types.js';
import { Value } from './value.js';

/** A node checked at import: its op, attributes and where it is, for messages. */
export interface PreparedNode {
  readonly proto: NodeProto;
  readonly op: OnnxOp;
  readonly attrs: Attributes;
  readonly where: string;
}

/** A graph input or output: its name, Kindling dtype and declared dims (a name for a dynamic one). */
export interface GraphPort {
  readonly name: string;
  readonly dtype: string;
  readonly dims: readonly (number | string | undefined)[] | undefined;
}

export interface PreparedGraph {
  readonly opset: number;
  readonly nodes: readonly PreparedNode[];
  /** Floating initializers (trainable) and the others (constants), by name. */
  readonly floating: ReadonlyMap<string, HostTensor>;
  readonly constants: ReadonlyMap<string, HostTensor>;
  readonly inputs: readonly GraphPort[];
  readonly outputs: readonly GraphPort[];
}

const DEFAULT_DOMAINS = new Set(['', 'ai.onnx']);

function port(info: ValueInfoProto, what: string): GraphPort {
  const name = info.name ?? '';
  const tensorType = info.type?.tensorType;
  if (tensorType === undefined) {
    const kind = Object.keys(info.type ?? {})[0] ?? 'untyped';
    throw new OnnxUnsupportedError(`${kind} ${what}`, `the graph ${what} '${name}' is a ${kind}, which importOnnx does not support (supported: tensors)`);
  }
  const dtype = kindlingDType(tensorType.elemType ?? 0, `the graph ${what} '${name}'`);
  const dims = tensorType.shape?.dim?.map((d) => d.dimValue ?? d.dimParam);
  return { name, dtype, dims };
}

function prepareNode(proto: NodeProto, index: number, opset: number): PreparedNode {
  const opType = proto.opType ?? '';
  const where = `'${opType}' node ${proto.name ? `'${proto.name}'` : `#${index}`} (opset ${opset})`;
  const domain = proto.domain ?? '';
  const op = DEFAULT_DOMAINS.has(domain) ? ONNX_OPS[opType] : undefined;
  if (op === undefined) {
    const qualified = DEFAULT_DOMAINS.has(domain) ? opType : `${domain}.${opType}`;
    throw new OnnxUnsupportedError(`op ${qualified}`, `importOnnx: ${where}: the op ${qualified} is not supported. Supported ops: ${SUPPORTED_ONNX_OPS.join(', ')}`);
  }
  const attrs = new Attributes(proto.attribute ?? [], where);
  for (const name of attrs.names()) {
    if (!op.attributes.includes(name)) {
      throw new OnnxUnsupportedError(`${opType} attribute ${name}`, `importOnnx: ${where}: attribute '${name}' is not supported (${opType} supports ${op.attributes.join(', ') || 'no attributes'})`);
    }
  }
  const outputCount = (proto.output ?? []).filter((name) => name !== '').length;
  op.check?.(attrs, { where: `importOnnx: ${where}`, opset, outputCount });
  return { proto, op, attrs, where };
}

/** Checks every node, type and initializer of `model` against what Kindling supports. */
export function prepareGraph(model: ModelProto): PreparedGraph {
  const graph: GraphProto = model.graph ?? {};
  const opset = model.opsetImport?.find((o) => DEFAULT_DOMAINS.has(o.domain ?? ''))?.version ?? 1;
  if ((graph.sparseInitializer?.length ?? 0) > 0) throw new OnnxUnsupportedError('sparse initializers', 'importOnnx: the graph has sparse initializers, which are not supported');
  const floating = new Map<string, HostTensor>();
  const constants = new Map<string, HostTensor>();
  for (const initializer of graph.initializer ?? []) {
    const host = readTensorProto(initializer, `the initializer '${initializer.name}'`);
    (isFloatingDType(kindlingDType(host.onnxType, '')) ? floating : constants).set(initializer.name ?? '', host);
  }
  const inputs = (graph.input ?? []).filter((i) => !floating.has(i.name ?? '') && !constants.has(i.name ?? '')).map((i) => port(i, 'input'));
  const outputs = (graph.output ?? []).map((o) => port(o, 'output'));
  const nodes = (graph.node ?? []).map((node, i) => prepareNode(node, i, opset));
  return { opset, nodes, floating, constants, inputs, outputs };
}

/** Inputs all known and small: run the op on the host's cpu backend and keep its exact results. */
const FOLD_LIMIT = 1 << 16;

function hostOf(result: OpResult, inputTypes: readonly number[], where: string): HostTensor {
  if (result instanceof Value && result.host) return result.host;
  const variable = result instanceof Value ? result.variable : result;
  const dtype = onnxDType(variable.dtype);
  // int32 results of int64 inputs stay int64, as the graph declares them.
  const onnxType = variable.dtype === 'int32' && inputTypes.includes(ONNX_DTYPE.INT64) ? ONNX_DTYPE.INT64 : dtype;
  if (!variable.data.backend.readSync) throw new Error(`${where}: folding needs a synchronous backend`);
  return { onnxType, shape: variable.shape, values: Array.from(variable.data.dataSync(), Number) };
}

function runNode(node: PreparedNode, inputs: readonly (Value | undefined)[], device: string, opset: number): OpResult[] {
  const ctx = (onDevice: string, values: readonly (Value | undefined)[]): NodeContext => ({
    where: node.where,
    opType: node.proto.opType ?? '',
    opset,
    device: onDevice,
    attrs: node.attrs,
    inputs: values,
    outputCount: (node.proto.output ?? []).length,
  });
  const present = inputs.filter((v): v is Value => v !== undefined);
  const foldable = present.length > 0 && present.every((v) => v.host !== undefined && v.host.values.length <= FOLD_LIMIT);
  if (foldable) {
    try {
      const onHost = inputs.map((v) => (v === undefined ? undefined : Value.known(v.host as HostTensor, 'cpu', v.name)));
      const types = present.map((v) => (v.host as HostTensor).onnxType);
      return node.op.run(ctx('cpu', onHost)).map((result, i) => Value.known(hostOf(result, types, node.where), device, `${node.where} output ${i}`));
    } catch {
      // Not foldable after all (an int64 beyond int32, say): the op runs on the device below, where any real error shows.
    }
  }
  return node.op.run(ctx(device, inputs));
}

/** Runs the graph's nodes in order on `values` (initializers and inputs by name); returns every value by name. */
export function executeGraph(graph: PreparedGraph, values: Map<string, Value>, device: string): Map<string, Value> {
  for (const node of graph.nodes) {
    const inputs = (node.proto.input ?? []).map((name) => {
      if (name === '') return undefined;
      const value = values.get(name);
      if (value === undefined) throw new Error(`${node.where}: its input '${name}' is neither a graph input, an initializer nor an earlier node's output`);
      return value;
    });
    let results: OpResult[];
    try {
      results = runNode(node, inputs, device, graph.opset);
    } catch (error) {
      if (error instanceof OnnxUnsupportedError || (error as Error).message.includes(node.where)) throw error;
      throw new Error(`${node.where}: ${(error as Error).message}`, { cause: error });
    }
    (node.proto.output ?? []).forEach((name, i) => {
      if (name === '') return;
      const result = results[i];
      if (result === undefined) throw new Error(`${node.where}: produced ${results.length} outputs, but output ${i} ('${name}') is used`);
      values.set(name, result instanceof Value ? result : Value.of(result, name));
    });
  }
  return values;
}
