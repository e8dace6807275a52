/*
 * One @kindling/tensor per process. The backend and kernel registries and the Tensor class live in
 * this module's instance: a second copy (two versions installed side by side, say) has registries
 * of its own, so backends registered through one are invisible to the other and its tensors fail
 * `instanceof` checks with errors that never mention the cause. Each copy records itself on a
 * process-wide symbol at load, and a second copy refuses to load with both locations in the error.
 */

const COPY_KEY = Symbol.for('@kindling/tensor/loaded-copy');

/** Where a loaded copy of @kindling/tensor lives (its package directory) and which version it is. */
export interface TensorCopy {
  url: string;
  version: string;
}

/** This package's version, read from its package.json where the file system can be read (Node). */
function packageVersion(packageUrl: string): string {
  const fs = typeof process === 'undefined' ? undefined : process.getBuiltinModule?.('node:fs');
  if (!fs || !packageUrl.startsWith('file:')) return 'unknown version';
  try {
    const manifest: unknown = JSON.parse(fs.readFileSync(new URL('package.json', packageUrl), 'utf8'));
    if (typeof manifest === 'object' && manifest !== null && 'version' in manifest && typeof manifest.version === 'string') return manifest.version;
  } catch {
    // A copy without a readable package.json (bundled, say) is still a second copy; only its version is unknown.
  }
  return 'unknown version';
}

function describeCopy(copy: TensorCopy): string {
  return `${copy.version} at ${copy.url.startsWith('file:') ? new URL(copy.url).pathname : copy.url}`;
}

function isTensorCopy(value: unknown): value is TensorCopy {
  return typeof value === 'object' && value !== null && 'url' in value && 'version' in value;
}

/**
 * Records the package whose `src/` or `dist/` module `moduleUrl` is as this process's
 * @kindling/tensor, or throws when another copy is already loaded. The same package loaded again (a
 * test runner resetting its module cache) replaces the record instead.
 */
export function claimSingleCopy(moduleUrl: string): void {
  const packageUrl = new URL('..', moduleUrl).href;
  const existing: unknown = Reflect.get(globalThis, COPY_KEY);
  if (isTensorCopy(existing) && existing.url !== packageUrl) {
    const second = { url: packageUrl, version: packageVersion(packageUrl) };
    throw new Error(
      `@kindling/tensor is loaded twice in this process: ${describeCopy(existing)} and ${describeCopy(second)}. ` +
        'Each copy has its own backend registry and Tensor class, so backends and tensors from one are invisible to the other. ' +
        'Install one version that every @kindling package accepts (`npm ls @kindling/tensor` shows who asks for each; `npm dedupe` merges them).',
    );
  }
  Reflect.set(globalThis, COPY_KEY, { url: packageUrl, version: packageVersion(packageUrl) });
}
