import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceDataset } from '@kindling/data';
import { memory, setBackend } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { train, type TrainOptions, type TrainResult } from '../src/train.js';
import { writeShortMnist } from './short-mnist.js';

describe('train() on the cpu backend', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'kindling-short-mnist-'));
  const options: TrainOptions = { iters: 12, batchSize: 32, lr: 0.01, optimizer: 'adam', seed: 1, logEvery: 12, dataDir, verifyData: false };
  const deviceGathers = vi.spyOn(DeviceDataset.prototype, 'batch');
  let deviceRun: TrainResult;
  let deviceRunGathers: number;
  let hostRun: TrainResult;
  let storagesBefore: number;
  let storagesAfterFirstRun: number;

  beforeAll(async () => {
    writeShortMnist(dataDir);
    await setBackend('cpu');
    storagesBefore = memory().numStorages;
    deviceRun = await train({ ...options, deviceData: true });
    storagesAfterFirstRun = memory().numStorages;
    deviceRunGathers = deviceGathers.mock.calls.length;
    hostRun = await train({ ...options, deviceData: false });
  }, 120_000);

  afterAll(() => {
    deviceGathers.mockRestore();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('trains on the same batches whether they are gathered on the host or on the device', () => {
    expect(deviceRunGathers).toBe(options.iters + 1); // steps 0 to 12, the last one only evaluated
    expect(deviceGathers.mock.calls.length).toBe(deviceRunGathers); // the host run gathered none
    expect(hostRun.log.map((entry) => entry.step)).toEqual([0, 12]);
    expect(deviceRun.log).toEqual(hostRun.log);
    expect(deviceRun.testAccuracy).toBe(hostRun.testAccuracy);
  });

  it('reports memory after step 10 and at the end, flat between them', () => {
    for (const run of [deviceRun, hostRun]) {
      const { step10, end } = run.memory;
      expect(step10?.numStorages).toBeGreaterThan(0);
      expect(end.numStorages).toBe(step10?.numStorages);
      expect(end.numTensors).toBe(step10?.numTensors);
      // cpu pools no device buffers, so there are none to report.
      expect(end.deviceBytes).toBeUndefined();
      expect(end.buffersCreated).toBeUndefined();
    }
    // The device run held the uploaded images and labels as well.
    expect(deviceRun.memory.end.numStorages).toBe(hostRun.memory.end.numStorages + 2);
  });

  it('frees everything it allocated before returning', () => {
    expect(storagesAfterFirstRun).toBe(storagesBefore);
    expect(memory().numStorages).toBe(storagesBefore);
  });
});
