import { setBackend } from '@kindling/tensor';
import { registerGpuJsBackend } from '../src/index.js';
import { lossAgreementSuite } from './loss-agreement.js';

registerGpuJsBackend({ mode: 'webasm' });
await setBackend('gpujs');

lossAgreementSuite();
