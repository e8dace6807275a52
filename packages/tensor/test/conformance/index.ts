import { beforeAll, describe } from 'vitest';
import { creationSuite } from './creation.js';
import { elementwiseSuite } from './elementwise.js';
import { errorsSuite } from './errors.js';
import { useBackend } from './harness.js';
import { inPlaceSuite } from './in-place.js';
import { indexingSuite } from './indexing.js';
import { lossSuite } from './loss.js';
import { memorySuite } from './memory.js';
import { optimizerSuite } from './optimizer.js';
import { packingSuite } from './packing.js';
import { randomSuite } from './random.js';
import { reductionsSuite } from './reductions.js';
import { viewsPropertySuite } from './views-property.js';
import { viewsSuite } from './views.js';
import { windowsSuite } from './windows.js';

/** The tensor conformance suite: every backend runs it unchanged, with `cpu` as the oracle. */
export function describeTensorConformance(backendName: string): void {
  describe(`tensor conformance on '${backendName}'`, () => {
    beforeAll(() => useBackend(backendName));
    creationSuite(backendName);
    viewsSuite();
    viewsPropertySuite();
    elementwiseSuite();
    reductionsSuite();
    lossSuite();
    indexingSuite();
    inPlaceSuite();
    memorySuite();
    optimizerSuite();
    packingSuite();
    randomSuite();
    windowsSuite();
    errorsSuite(backendName);
  });
}
