/**
 * @kindling/models: ready-made models with PyTorch's state-dict keys, so checkpoints move both ways:
 * the PyTorch MNIST tutorial's `Net`, PyTorch examples/mnist's `ConvNet`, and nanoGPT's `GPT`.
 */
export { nonFiniteWeights } from './checkpoint-check.js';
export { ConvNet } from './conv-net.js';
export { GPT, GPT2_CONFIG, type GenerateOptions, type GPTConfig } from './gpt.js';
export { Net } from './net.js';
