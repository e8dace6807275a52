import { findBackend } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { GRADIENTS, gradcheck, type Node, type Variable } from '../../src/index.js';
import { describeEngine } from './engine.js';
import { describeErrors } from './errors.js';
import { elementwiseCases } from './gradcheck-elementwise.js';
import { opCases } from './gradcheck-ops.js';
import { gradcheckBehaviour } from './gradcheck-behaviour.js';
import { makerFor, type GradCase } from './helpers.js';
import { viewCases } from './gradcheck-views.js';
import { windowsCases } from './gradcheck-windows.js';

/** The op names of every node in the graph that produced `output`. */
function opsIn(output: Variable): Set<string> {
  const names = new Set<string>();
  const seen = new Set<Node>();
  const stack = output.gradFn ? [output.gradFn] : [];
  for (let node = stack.pop(); node; node = stack.pop()) {
    names.add(node.name);
    for (const input of node.inputs) {
      if (input?.gradFn && !seen.has(input.gradFn)) {
        seen.add(input.gradFn);
        stack.push(input.gradFn);
      }
    }
  }
  return names;
}

const allCases = [...elementwiseCases, ...opCases, ...viewCases, ...windowsCases];

function describeGradchecks(backendName: string, title: string, cases: readonly GradCase[]): void {
  describe(title, () => {
    cases.forEach((testCase, i) => {
      it(testCase.name, async () => {
        const inputs = testCase.inputs(makerFor(backendName, 1000 + i), backendName);
        expect(await gradcheck(testCase.fn, inputs, testCase.options)).toBe(true);
      });
    });
  });
}

/**
 * The autograd conformance suite, run unchanged by every backend: gradients of every differentiable
 * op checked against float64 central differences, the graph machinery, and every error message.
 */
export function describeAutogradConformance(backendName: string): void {
  describe(`autograd on '${backendName}'`, () => {
    // Finite differences need float64; a backend without it is checked by the rest of the suite only.
    describe.skipIf(!findBackend(backendName).supportedDTypes.includes('float64'))('gradchecks (need float64 for finite differences)', () => {
      describeGradchecks(backendName, 'gradcheck: elementwise', elementwiseCases);
      describeGradchecks(backendName, 'gradcheck: matmul, reductions, softmax, indexing, joins', opCases);
      describeGradchecks(backendName, 'gradcheck: views and non-contiguous inputs', viewCases);
      describeGradchecks(backendName, 'gradcheck: sliding windows (im2col, col2im, max pooling)', windowsCases);
      gradcheckBehaviour(backendName);
      it('gradchecks every op in the gradient table', () => {
        const checked = new Set(allCases.flatMap((c, i) => [...opsIn(c.fn(...c.inputs(makerFor(backendName, i), backendName)))]));
        expect(Object.keys(GRADIENTS).filter((op) => !checked.has(op))).toEqual([]);
      });
    });
    describeEngine(backendName);
    describeErrors(backendName);
  });
}
