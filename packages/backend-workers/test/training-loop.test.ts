import { describeTrainingLoopMemory } from '../../data/test/conformance/training-loop.js';
import { registerWorkersBackend } from '../src/index.js';

registerWorkersBackend();
describeTrainingLoopMemory('workers', { mlp: 1000, cnn: 200 });
