import { compile, type Variable } from '@kindling/autograd';
import { load, type Module } from '@kindling/nn';
import { saveOnnx } from '@kindling/onnx';
import { fromValues, getBackend, memory, tidy, zeros, type Backend, type Tensor } from '@kindling/tensor';
import { nonFiniteWeights } from '@kindling/models';

/** What both models' runs take besides their hyperparameters: the data, the checkpoints, the NaN policy and progress. */
export interface RunSettings {
  /** The directory of the MNIST files; an error if it lacks any (default: `KINDLING_MNIST_DIR`, else the usual sources). */
  dataDir?: string;
  /** Check the data files against MNIST's SHA-256 (default true); false to train on other data under MNIST's names. */
  verifyData?: boolean;
  save?: string;
  load?: string;
  /** Where to write the trained model as ONNX (after training, with a dynamic batch dim). */
  exportOnnx?: string;
  /** Keep training when the loss becomes NaN or infinite (default false: the run stops with a `DivergedError`). */
  allowNan?: boolean;
  /** Replay each training step from its recording (`compile()` from @kindling/autograd; default true); false runs it as written. */
  compile?: boolean;
  /** Where the weights go when `save` cannot be written (default: the working directory, then the temp directory). */
  fallbackDirs?: readonly string[];
  /** Called with every step, for progress display. */
  onStep?: (step: number, msPerStep: number) => void;
  onNetwork?: (description: string) => void;
}

/**
 * One training step on a batch, returning its loss: forward and backward, the optimizer's update,
 * `zeroGrad()`. Replayed through `compile()` (named `name` in its messages) unless `settings.compile` is false.
 */
export function trainingStep(
  settings: RunSettings,
  name: string,
  lossOf: (images: Tensor, labels: Tensor) => Variable,
  optimizer: { step(): Promise<void>; zeroGrad(): void },
): (images: Tensor, labels: Tensor) => Promise<Tensor> {
  const written = async (images: Tensor, labels: Tensor): Promise<Tensor> => {
    const loss = tidy(() => {
      const output = lossOf(images, labels);
      output.backward();
      return output.data;
    });
    await optimizer.step();
    optimizer.zeroGrad();
    return loss;
  };
  return settings.compile === false ? written : compile(written, { name });
}

/** What is allocated at one point of the run. */
export interface MemorySnapshot {
  /** Live tensors, storages and their bytes (`memory()`): flat from step to step when nothing leaks. */
  numTensors: number;
  numStorages: number;
  numBytes: number;
  /** Bytes of the device buffers the backend holds, in use or pooled (backends with buffer stats, such as `webgpu`). */
  deviceBytes?: number;
  /** Device buffers created so far: flat from step to step when the pool is reused. */
  buffersCreated?: number;
}

/** The loss became NaN or infinite: training on would only waste the run. */
export class DivergedError extends Error {
  override name = 'DivergedError';
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly lr: number,
  ) {
    super(`the training loss is ${loss} at step ${step} with learning rate ${lr}; the run diverged — lower the learning rate (--lr), or pass --allow-nan to train on anyway`);
  }
}

/**
 * Checks the training loss for NaN or infinity (throwing `DivergedError` unless `allowNan`). With
 * `everyStep` (synchronous backends, where reading a scalar is free) a loss that is not logged is
 * read one step late (`defer`, then `flush` after the next step is issued). Without it (GPU
 * backends) only logged losses are checked: reading a loss waits for the GPU to finish everything
 * recorded, which would end the overlap of one step's GPU work with the next step's recording.
 */
export class LossWatch {
  private pending: { step: number; loss: Tensor; lr: number } | undefined;

  constructor(
    private readonly allowNan = false,
    private readonly everyStep = true,
  ) {}

  check(step: number, loss: number, lr: number): void {
    if (!Number.isFinite(loss) && !this.allowNan) throw new DivergedError(step, loss, lr);
  }

  /** Takes `loss` (a scalar tensor) to check and free at the next `flush`, or frees it unread without `everyStep`. */
  defer(step: number, loss: Tensor, lr: number): void {
    if (this.everyStep) this.pending = { step, loss, lr };
    else loss.dispose();
  }

  /** Checks and frees the deferred loss, if any; returns its value. */
  async flush(): Promise<number | undefined> {
    if (this.pending === undefined) return undefined;
    const { step, loss, lr } = this.pending;
    this.pending = undefined;
    try {
      const value = Number(await loss.item());
      this.check(step, value, lr);
      return value;
    } finally {
      loss.dispose();
    }
  }
}

/**
 * Loads the weights of the checkpoint at `path` into `net`, refusing one that holds NaN or infinite
 * values: such weights make every output NaN, which the run would otherwise report as a diverged
 * loss and blame on the learning rate. Read on `cpu`, where the check is synchronous; loading
 * copies them to the network's device.
 */
export async function loadCheckpoint(net: Module, path: string): Promise<void> {
  const tensors = await load(path, { device: 'cpu' });
  try {
    const problem = nonFiniteWeights(tensors);
    if (problem !== undefined) throw new Error(`the checkpoint ${path} has non-finite weights: ${problem}; train from scratch or load a checkpoint saved before the run diverged`);
    net.loadStateDict(tensors);
  } finally {
    for (const tensor of Object.values(tensors)) tensor.dispose();
  }
}

/**
 * The device-buffer counters of a backend that pools them (`webgpu`'s `stats().buffers`), found by
 * their shape so that any backend reporting them is covered; undefined for the others.
 */
function bufferStats(backend: Backend): { totalBytes: number; created: number } | undefined {
  if (!('stats' in backend) || typeof backend.stats !== 'function') return undefined;
  const stats: unknown = backend.stats();
  const buffers: unknown = typeof stats === 'object' && stats !== null && 'buffers' in stats ? stats.buffers : undefined;
  if (typeof buffers !== 'object' || buffers === null || !('totalBytes' in buffers) || !('created' in buffers)) return undefined;
  const { totalBytes, created } = buffers;
  return typeof totalBytes === 'number' && typeof created === 'number' ? { totalBytes, created } : undefined;
}

export function memorySnapshot(): MemorySnapshot {
  const buffers = bufferStats(getBackend());
  const { numTensors, numStorages, numBytes } = memory();
  return { numTensors, numStorages, numBytes, deviceBytes: buffers?.totalBytes, buffersCreated: buffers?.created };
}

/** The median step time, leaving out the first 20 steps (warm-up: kernels compiled, pools filled) when there are more. */
export function medianStepMs(stepMs: readonly number[]): number {
  if (stepMs.length === 0) return 0;
  const sorted = (stepMs.length > 20 ? stepMs.slice(20) : [...stepMs]).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Moves `net`'s weights to `cpu` when the current backend cannot be read synchronously (webgpu), as
 * the ONNX exporter reads them so; returns the backend they are on. Only once the run is over.
 */
export async function weightsOnSynchronousBackend(net: Module): Promise<string> {
  if (getBackend().synchronous) return getBackend().name;
  for (const parameter of net.parameters()) {
    const onDevice = parameter.data;
    parameter.data = fromValues(await onDevice.data(), onDevice.shape, 'cpu').keep();
    onDevice.dispose();
  }
  return 'cpu';
}

/**
 * Writes the trained `net` to `path` as an ONNX model taking `inputShape` with any batch size. The
 * exporter reads the weights synchronously (see `weightsOnSynchronousBackend`).
 */
export async function exportTrainedOnnx(net: Module, inputShape: readonly number[], names: { input: string; output: string }, path: string): Promise<void> {
  const device = await weightsOnSynchronousBackend(net);
  const sample = zeros([1, ...inputShape], { device });
  const dynamicAxes = { [names.input]: { 0: 'batch' }, [names.output]: { 0: 'batch' } };
  try {
    await saveOnnx(path, net, sample, { inputNames: [names.input], outputNames: [names.output], dynamicAxes });
  } finally {
    sample.dispose();
  }
}

/**
 * Frees a run's tensors rather than leaving them to the garbage collector, which cannot see how much
 * device memory they hold: a caller that trains again starts from an empty pool.
 */
export function freeRun(net: Module, optimizer: { dispose(): void }): void {
  optimizer.dispose();
  for (const parameter of net.parameters()) {
    parameter.grad?.dispose();
    parameter.data.dispose();
  }
}

/** The peak resident memory of this process so far, in MB. */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
