import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arange, tensor, type Tensor } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deserialize, load, loadWithMetadata, save, serialize, Linear, Module, functional as F, type Input } from '../../src/index.js';
import type { Variable } from '@kindling/autograd';
import { expectSpec, readFixture, type TensorSpec } from './harness.js';

function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
}

const encoder = new TextEncoder();

/** A safetensors file built by hand: the length, the header text (padded by the caller as needed), then the data. */
function handBuilt(header: string, data: Uint8Array = new Uint8Array()): Uint8Array {
  const text = encoder.encode(header);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

function float32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function expectLoadError(bytes: Uint8Array, pattern: RegExp): void {
  expect(() => deserialize(bytes, 'model.safetensors')).toThrow(pattern);
}

class Tiny extends Module {
  hidden = new Linear(3, 4);
  out = new Linear(4, 2);
  forward(x: Input): Variable {
    return this.out.forward(F.relu(this.hidden.forward(x)));
  }
}

interface SafetensorsCase {
  kind: 'safetensors';
  file: string;
  metadata: Record<string, string>;
  tensors: Record<string, TensorSpec>;
}

/**
 * @param float64 - whether the backend stores float64 (GPUs compute in float32).
 * @param fileSystem - whether node:fs works here (not in a browser): saving and loading files needs it.
 */
export function safetensorsSuite(float64: boolean, fileSystem: boolean): void {
  describe('safetensors layout', () => {
    it('writes the layout byte for byte', async () => {
      // A header of exactly 64 bytes needs no padding.
      const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
      expect(header.length).toBe(64);
      const bytes = await serialize({ 'attn.0': arange(0, 6, 1, { dtype: 'float32' }).reshape(1, 2, 3) });
      expect(Array.from(bytes)).toEqual(Array.from(handBuilt(header, float32Bytes([0, 1, 2, 3, 4, 5]))));
    });

    it('pads the header with spaces to a multiple of 8 bytes', async () => {
      const header = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
      expect(header.length).toBe(65);
      const bytes = await serialize({ attn0: arange(0, 6, 1, { dtype: 'float32' }).reshape(1, 1, 2, 3) });
      expect(Array.from(bytes)).toEqual(Array.from(handBuilt(`${header}       `, float32Bytes([0, 1, 2, 3, 4, 5]))));
      expect(Array.from(await serialize({}))).toEqual(Array.from(handBuilt('{}      ')));
      expect(Array.from(await serialize({}, { framework: 'pt' }))).toEqual(Array.from(handBuilt('{"__metadata__":{"framework":"pt"}}     ')));
    });

    it.skipIf(!float64)('round-trips every dtype, the order and the metadata (needs float64)', async () => {
      const tensors: Record<string, Tensor> = {
        b: tensor([1.5, -2], { dtype: 'float64' }),
        a: tensor([[1, 2, 3]]),
        mask: tensor([true, false, true]),
        counts: tensor([7, -8], { dtype: 'int32' }),
        scalar: tensor(3.25),
      };
      const { tensors: back, metadata } = deserialize(await serialize(tensors, { epoch: '3' }));
      expect(metadata).toEqual({ epoch: '3' });
      // Wider items first, so every tensor is aligned; the record's order within one width.
      expect(Object.keys(back)).toEqual(['b', 'a', 'counts', 'scalar', 'mask']);
      for (const [name, t] of Object.entries(tensors)) {
        const loaded = back[name] as Tensor;
        expect(loaded.dtype, name).toBe(t.dtype);
        expect(loaded.shape, name).toEqual(t.shape);
        expect(Array.from(await loaded.data()), name).toEqual(Array.from(await t.data()));
      }
    });

    it.skipIf(!float64 || !fileSystem)("reads a file laid out as PyTorch's safetensors writer lays it out (needs float64 and a file system)", async () => {
      const fixture = readFixture<{ kind: string }[]>('nn.json').find((c): c is SafetensorsCase => c.kind === 'safetensors');
      expect(fixture).toBeDefined();
      if (!fixture) return;
      const { tensors, metadata } = await loadWithMetadata(fixturePath(fixture.file));
      expect(metadata).toEqual(fixture.metadata);
      expect(Object.keys(tensors).sort()).toEqual(Object.keys(fixture.tensors).sort());
      for (const [name, spec] of Object.entries(fixture.tensors)) await expectSpec(tensors[name] ?? null, spec, 1e-7);
    });

    it('rejects tensors it cannot name', async () => {
      await expect(serialize({ __metadata__: tensor([1]) })).rejects.toThrow(/'__metadata__' is reserved/);
    });
  });

  describe('corrupt and truncated files', () => {
    const valid = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    const data = float32Bytes([1, 2]);

    it('says what is wrong with the header', () => {
      expectLoadError(new Uint8Array(5), /model\.safetensors: the file is truncated: it has 5 bytes, fewer than the 8/);
      const huge = new Uint8Array(16);
      new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
      expectLoadError(huge, /header length 1099511627776 exceeds the format's limit/);
      expectLoadError(handBuilt(valid, data).subarray(0, 30), /the file is truncated: the header length says 54 bytes but only 22 follow it/);
      const badUtf8 = handBuilt('{"x":1}');
      badUtf8[10] = 0xff;
      expectLoadError(badUtf8, /the header is not valid UTF-8/);
      expectLoadError(handBuilt('{"x":'), /the header is not valid JSON/);
      expectLoadError(handBuilt('[1, 2]'), /the header is not a JSON object/);
      expectLoadError(handBuilt('{"__metadata__":{"epoch":3}}'), /__metadata__ must be an object whose values are all strings/);
    });

    it('says what is wrong with a tensor entry', () => {
      expectLoadError(handBuilt('{"x":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}', data), /tensor 'x' has unknown dtype 'F99'/);
      expectLoadError(handBuilt('{"x":{"dtype":"U16","shape":[4],"data_offsets":[0,8]}}', data), /tensor 'x' has dtype U16, which Kindling cannot hold/);
      expectLoadError(handBuilt('{"x":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', data), /tensor 'x' has an invalid shape \[-2\]/);
      expectLoadError(handBuilt('{"x":{"dtype":"F32","shape":[2],"data_offsets":[8]}}', data), /tensor 'x' has invalid data_offsets \[8\]/);
      expectLoadError(handBuilt('{"x":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', data), /data_offsets \[8, 0\] that end before they begin/);
      expectLoadError(
        handBuilt('{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', data),
        /tensor 'x' has shape \[3\] and dtype F32, which take 12 bytes, but its data_offsets \[0, 8\] span 8 bytes/,
      );
      const wide = new Uint8Array(new BigInt64Array([2n ** 40n]).buffer);
      expectLoadError(handBuilt('{"x":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', wide), /tensor 'x' has dtype I64 and holds 1099511627776, which does not fit Kindling's int32/);
    });

    it('says when the data does not match the offsets', () => {
      expectLoadError(
        handBuilt('{"x":{"dtype":"F32","shape":[1024],"data_offsets":[0,4096]}}', new Uint8Array(1024)),
        /the file is truncated: the header says tensor 'x' ends at byte 4096 but the data has 1024 bytes/,
      );
      expectLoadError(handBuilt(valid, new Uint8Array(12)), /the file has 4 bytes after the last tensor's data/);
      expectLoadError(
        handBuilt('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', new Uint8Array(12)),
        /tensors 'a' and 'b' overlap: 'b' begins at byte 4, before 'a' ends at byte 8/,
      );
      expectLoadError(handBuilt('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), /the data has a gap: bytes 0 to 4 before tensor 'a'/);
    });
  });

  describe.skipIf(!fileSystem)('save and load (needs a file system)', () => {
    let dir = '';
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'kindling-nn-'));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('round-trips a state dict through a file', async () => {
      const path = join(dir, 'tiny.safetensors');
      const source = new Tiny();
      await save(source.stateDict(), path, { note: 'test' });
      const loaded = await load(path);
      expect(Object.keys(loaded)).toEqual(['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']);
      const target = new Tiny();
      target.loadStateDict(loaded);
      const x = tensor([[1, -2, 0.5]]);
      expect(Array.from(await target.forward(x).data.data())).toEqual(Array.from(await source.forward(x).data.data()));
      expect((await loadWithMetadata(path)).metadata).toEqual({ note: 'test' });
      expect(await readdir(dir)).toEqual(['tiny.safetensors']);
    });

    it('leaves the previous file intact and no temporary file when a write fails part-way', async () => {
      const path = join(dir, 'kept.safetensors');
      await save({ a: tensor([1, 2]), b: tensor([3]) }, path);
      const before = await readFile(path);
      const doomed = tensor([4, 5]);
      // The header is built before save's first await; disposing the tensor then makes its data
      // unreadable half-way through writing the temporary file.
      const pending = save({ first: tensor([9]), doomed }, path);
      doomed.dispose();
      await expect(pending).rejects.toThrow(/save: could not write .*kept\.safetensors: .*freed by dispose\(\).*; any previous file there is unchanged/);
      expect(Buffer.compare(await readFile(path), before)).toBe(0);
      expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    });

    it('cleans up when the final rename fails', async () => {
      const target = join(dir, 'occupied');
      await mkdir(join(target, 'child'), { recursive: true });
      await expect(save({ a: tensor([1]) }, target)).rejects.toThrow(/save: could not write .*occupied/);
      expect((await readdir(dir)).filter((name) => name.includes('.tmp-'))).toEqual([]);
    });

    it('names the file when it is missing, truncated or corrupt', async () => {
      await expect(load(join(dir, 'absent.safetensors'))).rejects.toThrow(/load: could not read .*absent\.safetensors/);
      const path = join(dir, 'cut.safetensors');
      const whole = await serialize({ weight: tensor([[1, 2], [3, 4]]) });
      await writeFile(path, whole.subarray(0, whole.length - 4));
      await expect(load(path)).rejects.toThrow(/load: .*cut\.safetensors: the file is truncated: the header says tensor 'weight' ends at byte 16 but the data has 12 bytes/);
      await writeFile(path, encoder.encode('not a checkpoint at all'));
      await expect(load(path)).rejects.toThrow(/cut\.safetensors: the header length \d+ exceeds/);
    });
  });
}
