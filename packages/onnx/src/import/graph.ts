import { isFloatingDType } from '@kindling/tensor';
import { OnnxUnsupportedError } from '../errors.js';
import { ONNX_DTYPE, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto } from '../proto/proto.js';
import { assertFitsDevice, checkedShape, kindlingDType, onnxDType, readTensorProto, type HostTensor } from '../tensor-proto.js';
import { Attributes } from './attributes.js';
import { initializerRoles, type InitializerRole } from './initializer-roles.js';
import { ONNX_OPS } from './op-table.js';
import type { NodeContext, OnnxOp, OpResult } from './op-types.js';
import { assertOpsSupported, checkConvKernels, checkGraph, checkVersions, nodeLabel } from './validate.js';
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
  /**
   * The floating initializers that are the model's state, by name, checked but not yet read: the
   * model reads each one into its Parameter or buffer in turn, so a large model holds one copy of
   * its weights besides the file.
   */
  readonly floating: ReadonlyMap<string, TensorProto>;
  /** What each of `floating` becomes: a Parameter where the graph trains it, else a buffer. */
  readonly roles: ReadonlyMap<string, Exclude<InitializerRole, 'constant'>>;
  /** The other initializers (integers, and floats read only as settings), read. */
  readonly constants: ReadonlyMap<string, HostTensor>;
  readonly inputs: readonly GraphPort[];
  readonly outputs: readonly GraphPort[];
}

function port(info: ValueInfoProto, what: string): GraphPort {
  const name = info.name ?? '';
  const tensorType = info.type?.tensorType;
  if (tensorType === undefined) {
    const kind = Object.keys(info.type ?? {})[0] ?? 'untyped';
    throw new OnnxUnsupportedError(`${kind} ${what}`, `the graph ${what} '${name}' is a ${kind}, which importOnnx does not support (supported: tensors)`);
  }
  const dtype = kindlingDType(tensorType.elemType ?? 0, `the graph ${what} '${name}'`);
  const dims = tensorType.shape?.dim?.map((d) => d.dimValue ?? d.dimParam);
  checkedShape(dims?.filter((d): d is number => typeof d === 'number') ?? [], `the graph ${what} '${name}'`);
  return { name, dtype, dims };
}

function prepareNode(proto: NodeProto, index: number, opset: number): PreparedNode {
  const opType = proto.opType ?? '';
  const where = `${nodeLabel(proto, index)} (opset ${opset})`;
  // assertOpsSupported has refused every node whose op is not in the table.
  const op = ONNX_OPS[opType] as OnnxOp;
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

/**
 * Checks `model` against what ONNX allows and what Kindling supports, before any weight is read:
 * versions, the graph's names and order, every op, and each initializer's dims against what the
 * backend `device` holds.
 */
export function prepareGraph(model: ModelProto, device: string): PreparedGraph {
  const graph: GraphProto = model.graph ?? {};
  const opset = checkVersions(model);
  if ((graph.sparseInitializer?.length ?? 0) > 0) throw new OnnxUnsupportedError('sparse initializers', 'importOnnx: the graph has sparse initializers, which are not supported');
  const order = checkGraph(graph, opset);
  const protos = graph.node ?? [];
  assertOpsSupported(protos, opset);
  checkConvKernels(graph, opset);
  const nodes = order.map((index) => prepareNode(protos[index] as NodeProto, index, opset));
  const isFloating = (initializer: TensorProto): boolean => isFloatingDType(kindlingDType(initializer.dataType ?? 0, `the initializer '${initializer.name ?? ''}'`));
  const allRoles = initializerRoles(protos, new Set((graph.initializer ?? []).filter(isFloating).map((i) => i.name ?? '')));
  const floating = new Map<string, TensorProto>();
  const roles = new Map<string, Exclude<InitializerRole, 'constant'>>();
  const constants = new Map<string, HostTensor>();
  for (const initializer of graph.initializer ?? []) {
    const name = initializer.name ?? '';
    const what = `the initializer '${name}'`;
    assertFitsDevice(device, initializer.dataType ?? 0, checkedShape(initializer.dims ?? [], what), what);
    const role = allRoles.get(name) ?? 'constant';
    if (role === 'constant') constants.set(name, readTensorProto(initializer, what));
    else {
      floating.set(name, initializer);
      roles.set(name, role);
    }
  }
  const inputs = (graph.input ?? []).filter((i) => !floating.has(i.name ?? '') && !constants.has(i.name ?? '')).map((i) => port(i, 'input'));
  const outputs = (graph.output ?? []).map((o) => port(o, 'output'));
  return { opset, nodes, floating, roles, constants, inputs, outputs };
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
  return { onnxType, shape: variable.shape, values: variable.data.dataSync().slice() };
}

function runNode(node: PreparedNode, inputs: readonly (Value | undefined)[], device: string, opset: number, training: boolean): OpResult[] {
  const ctx = (onDevice: string, values: readonly (Value | undefined)[]): NodeContext => ({
    where: node.where,
    opType: node.proto.opType ?? '',
    opset,
    device: onDevice,
    attrs: node.attrs,
    inputs: values,
    outputCount: (node.proto.output ?? []).length,
    training,
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

/**
 * Runs the graph's nodes in order on `values` (initializers and inputs by name), in training mode
 * or not (`model.training`); returns every value by name.
 */
export function executeGraph(graph: PreparedGraph, values: Map<string, Value>, device: string, training: boolean): Map<string, Value> {
  for (const node of graph.nodes) {
    const inputs = (node.proto.input ?? []).map((name) => {
      if (name === '') return undefined;
      // checkGraph ordered the nodes so that every input is defined by now.
      return values.get(name) as Value;
    });
    let results: OpResult[];
    try {
      results = runNode(node, inputs, device, graph.opset, training);
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
