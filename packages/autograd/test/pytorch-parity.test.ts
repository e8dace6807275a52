import { describePytorchGradientParity } from './conformance/pytorch-parity.js';

describePytorchGradientParity('cpu');
