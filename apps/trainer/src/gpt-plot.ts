import { curvesSvg, type Curve } from './plot.js';
import type { GptTrainResult } from './train-gpt.js';

/** The curves of a GPT run: every iteration's training loss, and the estimated train and val losses. */
export function gptCurves(result: GptTrainResult): [Curve, Curve] {
  const training: Curve = { title: 'training loss (each iteration)', series: 'loss', color: '#d9480f', points: result.log.map((entry) => [entry.iter, entry.loss]) };
  const val: Curve = { title: 'val loss (estimated)', series: 'loss', color: '#1971c2', points: result.evals.map((entry) => [entry.iter, entry.valLoss]) };
  return [training, val];
}

/** The plot `--plot` writes for `--model gpt`, captioned with the model, backend and best val loss. */
export function gptPlot(result: GptTrainResult): string {
  const { nLayer, nHead, nEmbd, blockSize } = result.config;
  const best = result.bestValLoss === null ? 'no estimate' : `best val loss ${result.bestValLoss.toFixed(4)}`;
  const caption = `kindling-train --model gpt (${nLayer} layers, ${nHead} heads, ${nEmbd} wide, block ${blockSize}) on ${result.backend}: iterations ${result.startIteration} to ${result.finalIteration}, ${best}`;
  return curvesSvg(gptCurves(result), caption);
}
