import { describeCapturedSteps } from './conformance/captured-step.js';

describeCapturedSteps('cpu');
