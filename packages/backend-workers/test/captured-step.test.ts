import { describeCapturedSteps } from '../../data/test/conformance/captured-step.js';
import { registerWorkersBackend } from '../src/index.js';

registerWorkersBackend();
describeCapturedSteps('workers');
