let gradEnabled = true;

/** Whether ops on Variables currently record the graph (false inside `noGrad`). */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording the graph, as `torch.no_grad()`: results do not require gradients,
 * and nothing is kept for a backward pass. Use it for evaluation and for parameter updates.
 *
 * @example
 * const predictions = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  let result: T;
  try {
    result = fn();
  } finally {
    gradEnabled = previous;
  }
  // The mode is a global flag, so it cannot follow an async function past its first await.
  if (result instanceof Promise) {
    throw new Error('noGrad: the function returned a Promise; noGrad only covers synchronous work, so await outside it and call noGrad around the synchronous part');
  }
  return result;
}
