import { describe, expect, it } from 'vitest';
import { withErrorListener } from '../src/webgpu-node.js';

type Listener = ((event: unknown) => void) | { handleEvent(event: unknown): void };

/** A device shaped like Dawn's: `addEventListener` accepts only the listener forms in `accepts`. */
function fakeDevice(accepts: 'function' | 'object' | 'nothing') {
  const listeners: Listener[] = [];
  const device = {
    addEventListener(type: string, listener: Listener) {
      const form = typeof listener === 'function' ? 'function' : 'object';
      if (form !== accepts) throw new TypeError('no overload matched for addEventListener: object is not of the correct interface type');
      listeners.push(listener);
    },
    dispatch(event: unknown) {
      for (const listener of listeners) {
        if (typeof listener === 'function') listener(event);
        else listener.handleEvent(event);
      }
    },
  };
  return device;
}

describe('gpu.js devices in Node', () => {
  for (const accepts of ['function', 'object'] as const) {
    it(`turns gpu.js's onuncapturederror into a listener Dawn takes (${accepts})`, () => {
      const device = fakeDevice(accepts);
      const seen: unknown[] = [];
      Reflect.set(withErrorListener(device), 'onuncapturederror', (event: unknown) => seen.push(event));
      device.dispatch('device error');
      expect(seen).toEqual(['device error']);
    });
  }

  it('leaves the assignment harmless where Dawn takes no listener form', () => {
    const device = fakeDevice('nothing');
    expect(() => Reflect.set(withErrorListener(device), 'onuncapturederror', () => undefined)).not.toThrow();
  });
});
