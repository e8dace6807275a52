import { describe, expect, it, vi } from 'vitest';
import { announceBackendPackage, getBackend, setBackend, tensor } from '../src/index.js';

/*
 * A backend package imported and not registered: the first default choice says so once, and
 * setBackend names the call to make. Each test file runs in a fresh module state, so this one's
 * default is chosen here.
 */
describe('a backend package imported but not registered', () => {
  it('is said once when the default falls to another backend, naming the call to make', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    announceBackendPackage('fastlane', '@example/backend-fastlane', 'registerFastlaneBackend');
    expect(getBackend().name).toBe('cpu');
    tensor([1, 2]).add(1);
    getBackend();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toBe(
      "kindling: @example/backend-fastlane is imported but its backend 'fastlane' is not registered, so tensors go to 'cpu'; " +
        "call registerFastlaneBackend() before the first op (or setBackend('cpu') to choose 'cpu' and silence this)",
    );
    warn.mockRestore();
  });

  it('makes setBackend name the function that registers it', async () => {
    await expect(setBackend('fastlane')).rejects.toThrow(
      "backend 'fastlane' is unavailable: no backend of that name is registered (registered: cpu); call registerFastlaneBackend() from @example/backend-fastlane first (importing the package does not register it)",
    );
  });

  it('names the first-party package of a known backend even when it was not imported', async () => {
    await expect(setBackend('workers')).rejects.toThrow(/call registerWorkersBackend\(\) from @kindling\/backend-workers first/);
  });
});
