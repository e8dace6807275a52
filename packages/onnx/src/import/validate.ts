import { OnnxImportError, OnnxUnsupportedError } from '../errors.js';
import type { GraphProto, ModelProto, NodeProto } from '../proto/proto.js';
import { ONNX_OPS, SUPPORTED_ONNX_OPS } from './op-table.js';
import { assertKernelMatchesWeight } from './ops/convolution.js';

/*
 * What importOnnx refuses before it reads any weight, as ONNX Runtime refuses it: versions it does
 * not know, graphs that are not well formed (a name defined twice, an input nothing defines, a
 * cycle, an output nothing produces), and every op it cannot run, all listed at once.
 */

/** ONNX's own domain, by both of its names. */
export const DEFAULT_DOMAINS: ReadonlySet<string> = new Set(['', 'ai.onnx']);

/** IR version 3 is ONNX 1.0's, the first with opset_import; 10 is ONNX 1.16's, which only added element types. */
const IR_VERSIONS = { first: 3, last: 10 } as const;

/**
 * The newest default-domain opset the op table follows. Opsets 20 and 21 changed its ops only by
 * element types Kindling does not hold (int4, float8) and added Gelu, which it runs; a later opset
 * may change what an op computes.
 */
const LAST_OPSET = 21;

/** `'Conv' node 'conv1'` (or `#3` for an unnamed node), for messages. */
export function nodeLabel(node: NodeProto, index: number): string {
  return `'${node.opType ?? ''}' node ${node.name ? `'${node.name}'` : `#${index}`}`;
}

/** The model's IR version and default-domain opset, checked; returns the opset its ops follow. */
export function checkVersions(model: ModelProto): number {
  const ir = model.irVersion ?? 0;
  const range = `IR versions ${IR_VERSIONS.first} (ONNX 1.0) to ${IR_VERSIONS.last} (ONNX 1.16)`;
  if (ir <= 0) throw new OnnxImportError(`importOnnx: the model has ${ir === 0 ? 'no ir_version' : `ir_version ${ir}`}, so it is not a valid ONNX model (importOnnx reads ${range}); export it again with a current exporter`);
  if (ir < IR_VERSIONS.first || ir > IR_VERSIONS.last) {
    throw new OnnxUnsupportedError(`IR version ${ir}`, `importOnnx: the model has IR version ${ir}, which importOnnx does not read (it reads ${range}); convert it with onnx.version_converter or export it for an older ONNX`);
  }
  const imports = (model.opsetImport ?? []).filter((entry) => DEFAULT_DOMAINS.has(entry.domain ?? ''));
  const versions = [...new Set(imports.map((entry) => entry.version ?? 0))];
  const usesDefaultDomain = (model.graph?.node ?? []).some((node) => DEFAULT_DOMAINS.has(node.domain ?? ''));
  if (versions.length === 0) {
    if (!usesDefaultDomain) return LAST_OPSET;
    throw new OnnxImportError(`importOnnx: the model has no opset_import for ONNX's default domain (''), so its ops' versions are unknown (ONNX Runtime refuses it too); add one, e.g. onnx.helper.make_opsetid('', 17)`);
  }
  if (versions.length > 1) throw new OnnxImportError(`importOnnx: the model imports ONNX's default domain at opsets ${versions.join(' and ')}; a model imports each domain once`);
  const opset = versions[0] as number;
  if (opset <= 0) throw new OnnxImportError(`importOnnx: the model imports ONNX's default domain at opset ${opset}; opsets start at 1, so the file is damaged or was written wrongly`);
  if (opset > LAST_OPSET) {
    throw new OnnxUnsupportedError(`opset ${opset}`, `importOnnx: the model uses opset ${opset} of ONNX's default domain, which importOnnx does not follow (it follows opsets 1 to ${LAST_OPSET}); convert it with onnx.version_converter.convert_version(model, ${LAST_OPSET})`);
  }
  return opset;
}

/** One OnnxUnsupportedError listing every node whose op is not in the table, by op, with counts. */
export function assertOpsSupported(nodes: readonly NodeProto[], opset: number): void {
  const byOp = new Map<string, string[]>();
  nodes.forEach((node, index) => {
    const domain = node.domain ?? '';
    if (DEFAULT_DOMAINS.has(domain) && ONNX_OPS[node.opType ?? ''] !== undefined) return;
    const qualified = DEFAULT_DOMAINS.has(domain) ? (node.opType ?? '') : `${domain}.${node.opType ?? ''}`;
    byOp.set(qualified, [...(byOp.get(qualified) ?? []), `${nodeLabel(node, index)} (opset ${opset})`]);
  });
  if (byOp.size === 0) return;
  const ops = [...byOp.keys()].sort();
  const supported = `Supported ops: ${SUPPORTED_ONNX_OPS.join(', ')}`;
  const [onlyOp] = ops;
  const onlyNodes = byOp.get(onlyOp as string) as string[];
  if (ops.length === 1 && onlyNodes.length === 1) {
    throw new OnnxUnsupportedError(`op ${onlyOp}`, `importOnnx: ${onlyNodes[0]}: the op ${onlyOp} is not supported. ${supported}`);
  }
  const count = [...byOp.values()].reduce((n, list) => n + list.length, 0);
  const lines = ops.map((op) => {
    const where = byOp.get(op) as string[];
    return `  ${op} ×${where.length}: ${where.join(', ')}`;
  });
  throw new OnnxUnsupportedError(`op ${ops.join(' + ')}`, `importOnnx: ${count} nodes use ${ops.length === 1 ? 'an op' : `${ops.length} ops`} Kindling does not support:\n${lines.join('\n')}\n${supported}`);
}

/** Records `name` as defined by `by`, or throws naming both definitions when it already has one. */
function define(defined: Map<string, string>, name: string, by: string): void {
  const earlier = defined.get(name);
  if (earlier !== undefined) throw new OnnxImportError(`importOnnx: the name '${name}' is defined twice, by ${earlier} and by ${by}; every value of a graph has one name (ONNX Runtime refuses it too), so rename one of them`);
  defined.set(name, by);
}

/**
 * Checks that every value has one definition and every node input and graph output has one, and
 * gives the nodes' indices in an order where each runs after what it reads (the file's order where
 * it already is one, as ONNX asks); a cycle is an error naming its nodes.
 */
export function checkGraph(graph: GraphProto, opset: number): number[] {
  const nodes = graph.node ?? [];
  const defined = new Map<string, string>();
  for (const initializer of graph.initializer ?? []) define(defined, initializer.name ?? '', `the initializer '${initializer.name ?? ''}'`);
  for (const input of graph.input ?? []) {
    // Before IR 4 every initializer was also listed as a graph input: that is one value, not two.
    if (!(graph.initializer ?? []).some((i) => i.name === input.name)) define(defined, input.name ?? '', `the graph input '${input.name ?? ''}'`);
  }
  const producer = new Map<string, number>();
  nodes.forEach((node, index) => {
    for (const output of node.output ?? []) {
      if (output === '') continue;
      define(defined, output, `the output of ${nodeLabel(node, index)}`);
      producer.set(output, index);
    }
  });
  nodes.forEach((node, index) => {
    for (const input of node.input ?? []) {
      if (input !== '' && !defined.has(input)) {
        throw new OnnxImportError(`importOnnx: ${nodeLabel(node, index)} (opset ${opset}) reads '${input}', which is neither a graph input, an initializer nor any node's output; the graph is incomplete, export it again`);
      }
    }
  });
  const outputs = new Set<string>();
  for (const output of graph.output ?? []) {
    const name = output.name ?? '';
    if (outputs.has(name)) throw new OnnxImportError(`importOnnx: the graph lists the output '${name}' twice; list each output once`);
    outputs.add(name);
    if (!defined.has(name)) throw new OnnxImportError(`importOnnx: the graph output '${name}' is produced by no node and is neither a graph input nor an initializer; remove it from the graph's outputs or add the node that computes it`);
  }
  return runOrder(nodes, producer);
}

/**
 * The file's order where every node comes after what it reads (as ONNX asks, and what keeps a
 * random op's draws in the file's order); else Kahn's order, ready nodes taken in the file's order.
 */
function runOrder(nodes: readonly NodeProto[], producer: ReadonlyMap<string, number>): number[] {
  const waitsOn = nodes.map((node) => new Set((node.input ?? []).flatMap((name) => (producer.has(name) ? [producer.get(name) as number] : []))));
  if (waitsOn.every((deps, index) => [...deps].every((d) => d < index))) return nodes.map((_, index) => index);
  const pending = waitsOn.map((deps) => deps.size);
  const readers = nodes.map((): number[] => []);
  waitsOn.forEach((deps, index) => deps.forEach((d) => readers[d]?.push(index)));
  const order = pending.flatMap((count, index) => (count === 0 ? [index] : []));
  for (let at = 0; at < order.length; at++) {
    for (const reader of readers[order[at] as number] ?? []) {
      pending[reader] = (pending[reader] as number) - 1;
      if (pending[reader] === 0) order.push(reader);
    }
  }
  if (order.length < nodes.length) throw cycleError(nodes, waitsOn, new Set(order));
  return order;
}

function cycleError(nodes: readonly NodeProto[], waitsOn: readonly Set<number>[], done: ReadonlySet<number>): OnnxImportError {
  // Every node left waits on another node left, so walking back from any of them must come round.
  const seen: number[] = [];
  let at = waitsOn.findIndex((_, index) => !done.has(index));
  while (!seen.includes(at)) {
    seen.push(at);
    at = [...(waitsOn[at] as Set<number>)].find((d) => !done.has(d)) as number;
  }
  const backwards = seen.slice(seen.indexOf(at)).reverse();
  // Told from its node earliest in the file, so the same cycle always reads the same.
  const first = backwards.indexOf(Math.min(...backwards));
  const cycle = [...backwards.slice(first), ...backwards.slice(0, first)];
  const path = [...cycle, cycle[0] as number].map((index) => nodeLabel(nodes[index] as NodeProto, index)).join(' → ');
  return new OnnxImportError(`importOnnx: the graph has a cycle: ${path} each read the one before; an ONNX graph is acyclic, so the file is damaged or was written wrongly`);
}

/** Refuses a Conv whose kernel_shape contradicts its weight, where the weight is an initializer. */
export function checkConvKernels(graph: GraphProto, opset: number): void {
  const dims = new Map((graph.initializer ?? []).map((initializer) => [initializer.name ?? '', initializer.dims ?? []]));
  (graph.node ?? []).forEach((node, index) => {
    if (node.opType !== 'Conv' || !DEFAULT_DOMAINS.has(node.domain ?? '')) return;
    const weight = node.input?.[1] ?? '';
    const weightDims = dims.get(weight);
    const kernelShape = node.attribute?.find((attribute) => attribute.name === 'kernel_shape')?.ints;
    if (weightDims !== undefined) assertKernelMatchesWeight(`importOnnx: ${nodeLabel(node, index)} (opset ${opset})`, kernelShape, weight, weightDims);
  });
}
