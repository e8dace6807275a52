import type { Variable } from '@kindling/autograd';
import type { GPT } from '@kindling/models';
import { Module } from '@kindling/nn';
import { saveOnnx } from '@kindling/onnx';
import { zeros, type Tensor } from '@kindling/tensor';
import { weightsOnSynchronousBackend } from './run-support.js';

/**
 * The GPT's logits at every position: `GPT.forward` without targets keeps only the last one (all
 * that sampling needs), while an exported model serves any use of the sequence's logits.
 */
/** The GPT's logits at every position, the module `--export-onnx` traces. */
export class GptLogits extends Module {
  constructor(readonly gpt: GPT) {
    super();
  }

  forward(idx: Tensor): Variable {
    return this.gpt.lm_head.forward(this.gpt.transformer.forward(idx));
  }
}

/**
 * Writes the trained `model` to `path` as ONNX: the input `idx` (int32 [batch, blockSize]) and the
 * output `logits` ([batch, blockSize, vocabSize]), the batch dim free. The time dim is fixed: the
 * exporter records the position ids (`arange(0, time)`) and the causal mask as constants of the
 * traced length. Being causal, the logits at a position read only the ids up to it, so a shorter
 * sequence padded on the right with any ids gives its own logits at its positions. An op the
 * exporter cannot express fails with its `OnnxExportError`, which names the op and the module.
 */
export async function exportGptOnnx(model: GPT, path: string): Promise<void> {
  const device = await weightsOnSynchronousBackend(model);
  const sample = zeros([1, model.config.blockSize], { dtype: 'int32', device });
  const dynamicAxes = { idx: { 0: 'batch' }, logits: { 0: 'batch' } };
  try {
    await saveOnnx(path, new GptLogits(model), sample, { inputNames: ['idx'], outputNames: ['logits'], dynamicAxes });
  } finally {
    sample.dispose();
  }
}
