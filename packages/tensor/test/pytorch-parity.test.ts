import { describePytorchParity } from './conformance/pytorch-parity.js';

describePytorchParity('cpu');
