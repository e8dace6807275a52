import type { CharTokenizerMeta } from '@kindling/data-text';
import { GPT, nonFiniteWeights, type GPTConfig } from '@kindling/models';
import { loadWithMetadata, save } from '@kindling/nn';
import type { AdamSettings, OptimizerStateDict, ParamState } from '@kindling/optim';
import { fromValues, getBackend, type Tensor } from '@kindling/tensor';
import type { GptHyperparameters } from './gpt-options.js';

/** The safetensors metadata key that holds a GPT checkpoint's JSON (everything but the tensors). */
const METADATA_KEY = 'kindling.gpt';
/** Optimizer tensors are stored beside the weights under this prefix: `optimizer.<param index>.<expAvg|expAvgSq>`. */
const OPTIMIZER_PREFIX = 'optimizer.';

/** Where a run stands, beyond its tensors: what `--resume` needs to go on as if never stopped. */
export interface GptRunState {
  /** The iteration the next training step has (nanoGPT's `iter_num`); its evaluation is done. */
  iteration: number;
  /** The lowest val loss estimated so far (null before any). */
  bestValLoss: number | null;
  /** The model's shape (nanoGPT's `model_args`). */
  config: GPTConfig;
  /** The hyperparameters of the run that wrote it (nanoGPT's `config`). */
  hyperparameters: GptHyperparameters;
  /** The vocabulary (nanoGPT's `meta.pkl`). */
  meta: CharTokenizerMeta;
  /**
   * Batch offsets drawn so far from the run's batch generator (seeded with `hyperparameters.seed`):
   * replaying that many draws puts a new generator where this one was.
   */
  offsetsDrawn: number;
  /** The default generator's next device stream (dropout's masks): a resumed run skips to it. */
  nextStreamOffset: number;
}

export interface GptCheckpoint {
  state: GptRunState;
  /** The weights under nanoGPT's state-dict keys. */
  weights: Record<string, Tensor>;
  /** AdamW's state, for `optimizer.loadStateDict`. */
  optimizer: OptimizerStateDict<AdamSettings>;
}

/** The optimizer's step counters and group settings, which go in the JSON rather than as tensors. */
interface OptimizerJson {
  paramGroups: OptimizerStateDict<AdamSettings>['paramGroups'];
  counters: Record<string, Record<string, number>>;
}

/**
 * Writes one safetensors file (atomically, through `save`): the weights under nanoGPT's keys, so
 * `safetensors.torch.load_file` and `GPT.loadStateDict` read them as they are; AdamW's moment
 * tensors under `optimizer.*`; and the rest as JSON in the `kindling.gpt` metadata.
 */
export async function saveGptCheckpoint(path: string, model: GPT, optimizer: OptimizerStateDict<AdamSettings>, state: GptRunState): Promise<void> {
  const tensors: Record<string, Tensor> = { ...model.stateDict() };
  const counters: OptimizerJson['counters'] = {};
  for (const [index, values] of Object.entries(optimizer.state)) {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'number') (counters[index] ??= {})[key] = value;
      else tensors[`${OPTIMIZER_PREFIX}${index}.${key}`] = value;
    }
  }
  const json = { ...state, optimizer: { paramGroups: optimizer.paramGroups, counters } };
  await save(tensors, path, { format: 'pt', [METADATA_KEY]: JSON.stringify(json) });
}

/**
 * Reads a checkpoint `saveGptCheckpoint` wrote, on the current backend. The weights are checked for
 * NaN and infinity first (read on `cpu`, where that is synchronous): such weights would make every
 * loss NaN and the run blame the learning rate.
 */
export async function loadGptCheckpoint(path: string): Promise<GptCheckpoint> {
  const { tensors, metadata } = await loadWithMetadata(path, { device: 'cpu' });
  const json = metadata[METADATA_KEY];
  if (json === undefined) {
    for (const tensor of Object.values(tensors)) tensor.dispose();
    throw new Error(`${path} is not a kindling-train --model gpt checkpoint (no '${METADATA_KEY}' metadata); give a file that --save wrote`);
  }
  const { optimizer: optimizerJson, ...state } = JSON.parse(json) as GptRunState & { optimizer: OptimizerJson };
  const device = getBackend().name;
  const onDevice = (tensor: Tensor): Tensor => (device === 'cpu' ? tensor : fromValues(tensor.dataSync(), tensor.shape, device));
  const weights: Record<string, Tensor> = {};
  const optimizerState: Record<number, ParamState> = {};
  try {
    const weightsOnCpu = Object.fromEntries(Object.entries(tensors).filter(([key]) => !key.startsWith(OPTIMIZER_PREFIX)));
    const problem = nonFiniteWeights(weightsOnCpu);
    if (problem !== undefined) throw new Error(`the checkpoint ${path} has non-finite weights: ${problem}; train from scratch or resume from a checkpoint saved before the run diverged`);
    for (const [key, tensor] of Object.entries(tensors)) {
      if (!key.startsWith(OPTIMIZER_PREFIX)) {
        weights[key] = onDevice(tensor);
        continue;
      }
      const [index, name] = key.slice(OPTIMIZER_PREFIX.length).split('.') as [string, string];
      (optimizerState[Number(index)] ??= {})[name] = onDevice(tensor);
    }
  } finally {
    if (device !== 'cpu') for (const tensor of Object.values(tensors)) tensor.dispose();
  }
  for (const [index, counters] of Object.entries(optimizerJson.counters)) Object.assign((optimizerState[Number(index)] ??= {}), counters);
  return { state, weights, optimizer: { state: optimizerState, paramGroups: optimizerJson.paramGroups } };
}

/** Frees a loaded checkpoint's tensors once the model and the optimizer have copied them. */
export function disposeCheckpoint({ weights, optimizer }: GptCheckpoint): void {
  for (const tensor of Object.values(weights)) tensor.dispose();
  for (const values of Object.values(optimizer.state)) {
    for (const value of Object.values(values)) if (typeof value !== 'number') value.dispose();
  }
}
