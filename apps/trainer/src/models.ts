/**
 * `@kindling/trainer/models`: the trainer's two networks and their checkpoints' check, which now
 * live in `@kindling/models`; kept so that code importing them from here goes on working.
 */
export { ConvNet, Net, nonFiniteWeights } from '@kindling/models';
