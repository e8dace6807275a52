import { isCapturing, isTensor, StepRecorder, type Tape, type Tensor } from '@kindling/tensor';
import { ageWithSteps } from './backward.js';
import { isGradEnabled } from './grad-mode.js';
import { Variable } from './variable.js';

/** Options of {@link compile}. */
export interface CompileOptions {
  /** Named in the line printed when the step has to stay eager (default: the function's name). */
  name?: string;
}

/** What a compiled step has done so far. */
export interface CompileStats {
  /** Calls run as written: the first call of each input signature, and calls after a guard failed. */
  eager: number;
  /** Calls that ran as written while recording (one per input signature, more after a guard failed). */
  captures: number;
  /** Calls replayed from a recording. */
  replays: number;
  /** Kernels of the latest recording's replay (its copies to gradients included); null before one exists. */
  kernelsPerReplay: number | null;
  /**
   * Whether the latest recording replays as the backend recorded its device work (webgpu: its
   * dispatches resubmitted, only random draws and host steps run again) rather than kernel by
   * kernel; null before one exists.
   */
  replaysDeviceWork: boolean | null;
  /** Why the step runs eagerly for good, if it does (a host read inside it, for example). */
  eagerReason: string | null;
}

/** A step made by {@link compile}: called as the function it wraps, always asynchronously. */
export interface CompiledStep<A extends unknown[], R> {
  (...args: A): Promise<Awaited<R>>;
  stats(): CompileStats;
  /** Drops every recording (their host constants freed); the next call runs as written. */
  reset(): void;
}

/** How a result is rebuilt around a replay's tensors: the nth tensor, as a Tensor or in a Variable. */
type Template = { tensor: number } | { variable: number } | { array: Template[] } | { object: [string, Template][] } | { value: null | undefined };

interface Recording {
  calls: number;
  tape: Tape | null;
  template: Template | null;
  eagerReason: string | null;
}

/**
 * Records a training or inference step once and replays it afterwards (`torch.compile`'s
 * reduce-overhead mode, tinygrad's TinyJit). The first call with an input signature (each tensor
 * argument's backend, dtype, shape and layout, the other arguments' values, grad mode) runs as
 * written, which creates optimizer state; the second runs as written too while recording every kernel
 * it launches; later calls replay those kernels on the new inputs, with no op layer, autograd
 * graph or per-op Tensor objects. A replay gives the numbers the written step would, bit for bit:
 * random draws take the generator's next streams and an optimizer's update runs its host side
 * again (learning rates from schedulers, step counts). A replay starts with checks: a module's
 * training flag, the optimizer's parameters, and that the tensors the step reads but did not make
 * are still alive; when one fails, that call runs as written and the next records anew.
 *
 * Write the step as for an eager call, with three rules: pass its data as tensor arguments, return
 * the tensors you want to read (a loss) instead of reading them inside, and leave the tensors it should change
 * to state the step updates (parameters, `.grad`, optimizer state). A step that reads a value on the
 * host (`item()`), frees a tensor it was given or did not make, or copies between backends is
 * run as written every time, said once.
 *
 * @example
 * const step = compile(async (input: Tensor, target: Tensor) => {
 *   optimizer.zeroGrad();
 *   const loss = F.crossEntropy(model.forward(input), target);
 *   loss.backward();
 *   await optimizer.step();
 *   return loss;
 * });
 * for await (const [input, target] of loader) lastLoss = await step(input, target);
 */
export function compile<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>, options: CompileOptions = {}): CompiledStep<A, R> {
  const name = options.name ?? (fn.name || 'step');
  const recordings = new Map<string, Recording>();
  const stats: CompileStats = { eager: 0, captures: 0, replays: 0, kernelsPerReplay: null, replaysDeviceWork: null, eagerReason: null };

  async function call(...args: A): Promise<Awaited<R>> {
    // Called inside another step being recorded: run as written, so that the outer recording holds it.
    if (isCapturing()) return await fn(...args);
    const inputs = tensorArguments(name, args);
    const key = signature(args);
    let recording = recordings.get(key);
    if (!recording) {
      recording = { calls: 0, tape: null, template: null, eagerReason: null };
      recordings.set(key, recording);
    }
    if (recording.tape && recording.template) {
      if (recording.tape.isValid()) return replay(recording.tape, recording.template, inputs);
      recording.tape.dispose();
      recording.tape = null;
      recording.calls = 0;
    }
    recording.calls++;
    if (recording.eagerReason !== null || recording.calls === 1) {
      stats.eager++;
      return await fn(...args);
    }
    return capture(recording, args, inputs);
  }

  async function replay(tape: Tape, template: Template, inputs: Tensor[]): Promise<Awaited<R>> {
    const tensors = tape.replay(inputs);
    stats.replays++;
    ageWithSteps(tensors);
    // The backpressure an optimizer's step() gives an eager loop: the device keeps at most a step behind.
    await Promise.all(tape.backends.flatMap((backend) => (backend.flush ? [backend.flush()] : [])));
    return rebuild(template, tensors) as Awaited<R>;
  }

  async function capture(recording: Recording, args: A, inputs: Tensor[]): Promise<Awaited<R>> {
    const recorder = StepRecorder.start(inputs);
    let result: Awaited<R>;
    try {
      result = await fn(...args);
    } catch (error) {
      recorder.abandon();
      throw error;
    }
    stats.captures++;
    const outputs: Tensor[] = [];
    const template = templateOf(result, outputs);
    let tape: Tape | string = template as string;
    if (typeof template === 'string') recorder.abandon();
    else tape = recorder.finish(outputs);
    if (typeof tape === 'string') {
      recording.eagerReason = tape;
      if (stats.eagerReason === null) console.warn(`kindling compile: '${name}' runs as written on every call: ${tape}`);
      stats.eagerReason = tape;
    } else {
      recording.tape = tape;
      recording.template = template as Template;
      stats.kernelsPerReplay = tape.summary.kernels;
      stats.replaysDeviceWork = tape.summary.recorded;
    }
    return result;
  }

  return Object.assign(call, {
    stats: (): CompileStats => ({ ...stats }),
    reset(): void {
      for (const recording of recordings.values()) recording.tape?.dispose();
      recordings.clear();
    },
  });
}

/** The tensor arguments, in order; a Variable or another object is refused with its position. */
function tensorArguments(name: string, args: readonly unknown[]): Tensor[] {
  const tensors: Tensor[] = [];
  args.forEach((arg, i) => {
    if (isTensor(arg)) tensors.push(arg);
    else if (arg instanceof Variable) throw new TypeError(`compile: argument ${i} of '${name}' is a Variable; pass its data (a Tensor) and make Variables inside the step`);
    else if (arg !== null && typeof arg === 'object') throw new TypeError(`compile: argument ${i} of '${name}' is ${arg.constructor.name}; a compiled step takes tensors and plain values (numbers, strings, booleans)`);
  });
  return tensors;
}

/** What must match for a recording to serve a call: each argument's layout or value, and grad mode. */
function signature(args: readonly unknown[]): string {
  const storages: unknown[] = [];
  const parts = args.map((arg) => {
    if (!isTensor(arg)) return `${typeof arg}:${String(arg)}`;
    // Two arguments that share a storage must share it again.
    let shared = storages.indexOf(arg.storage);
    if (shared === -1) shared = storages.push(arg.storage) - 1;
    return `${arg.device}:${arg.dtype}:[${arg.shape.join(',')}]:[${arg.strides.join(',')}]+${arg.offset}/${arg.storage.size}#${shared}`;
  });
  return `${isGradEnabled()}|${parts.join('|')}`;
}

/** The result's shape with its tensors numbered into `outputs`, or why it cannot be rebuilt. */
function templateOf(value: unknown, outputs: Tensor[]): Template | string {
  if (isTensor(value)) return { tensor: outputs.push(value) - 1 };
  if (value instanceof Variable) return { variable: outputs.push(value.data) - 1 };
  if (Array.isArray(value)) {
    const items = value.map((item) => templateOf(item, outputs));
    const problem = items.find((item) => typeof item === 'string');
    return problem ?? { array: items as Template[] };
  }
  if (value !== null && typeof value === 'object') {
    if (Object.getPrototypeOf(value) !== Object.prototype) return `it returns a ${value.constructor.name}; return tensors, Variables, numbers, or arrays and plain objects of them`;
    const entries = Object.entries(value).map(([key, item]) => [key, templateOf(item, outputs)] as const);
    const problem = entries.find(([, item]) => typeof item === 'string');
    return problem ? (problem[1] as string) : { object: entries as [string, Template][] };
  }
  if (value === undefined || value === null) return { value };
  return `it returns ${typeof value} ${String(value)}, which a replay would return unchanged; return tensors, or read host values outside the step`;
}

function rebuild(template: Template, tensors: readonly Tensor[]): unknown {
  if ('tensor' in template) return tensors[template.tensor];
  if ('variable' in template) return new Variable(tensors[template.variable] as Tensor);
  if ('array' in template) return template.array.map((item) => rebuild(item, tensors));
  if ('object' in template) return Object.fromEntries(template.object.map(([key, item]) => [key, rebuild(item, tensors)]));
  return template.value;
}
