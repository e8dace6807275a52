import { readFileSync } from 'node:fs';
import { Generator } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { CharTokenizer, splitTrainVal, TextBatchSampler, tinyShakespeare, TINY_SHAKESPEARE } from '../src/index.js';

/** What nanoGPT's prepare.py and get_batch computed for the corpus (scripts/fixtures/generate_text_fixtures.py). */
interface NanoGptPrep {
  vocab: string;
  vocab_size: number;
  length: number;
  train_length: number;
  val_length: number;
  train_head: number[];
  val_head: number[];
  val_tail: number[];
  block_size: number;
  offsets: number[];
  batch_x: number[][];
  batch_y: number[][];
}
const nanoGpt = JSON.parse(readFileSync(new URL('./fixtures/shakespeare-char.json', import.meta.url), 'utf8')) as NanoGptPrep;

describe('tiny Shakespeare as nanoGPT prepares it', () => {
  it('ships the corpus and verifies it', async () => {
    const text = await tinyShakespeare();
    expect(text.length).toBe(TINY_SHAKESPEARE.characters);
    expect(text.length).toBe(nanoGpt.length);
  });

  it("builds nanoGPT's vocabulary, ids and 90/10 split", async () => {
    const text = await tinyShakespeare();
    const tokenizer = CharTokenizer.fromText(text);
    expect(tokenizer.vocabSize).toBe(65);
    expect(tokenizer.itos.join('')).toBe(nanoGpt.vocab);
    const { train, val } = splitTrainVal(tokenizer.encode(text));
    expect([train.length, val.length]).toEqual([nanoGpt.train_length, nanoGpt.val_length]);
    expect(Array.from(train.subarray(0, 64))).toEqual(nanoGpt.train_head);
    expect(Array.from(val.subarray(0, 64))).toEqual(nanoGpt.val_head);
    expect(Array.from(val.subarray(-16))).toEqual(nanoGpt.val_tail);
    expect(tokenizer.decode(train.subarray(0, 14))).toBe('First Citizen:');
  });

  it("gives nanoGPT's get_batch for the same offsets", async () => {
    const tokenizer = CharTokenizer.fromText(await tinyShakespeare());
    const { train } = splitTrainVal(tokenizer.encode(await tinyShakespeare()));
    const sampler = new TextBatchSampler(train, { blockSize: nanoGpt.block_size, batchSize: nanoGpt.offsets.length });
    const { x, y } = sampler.batchAt(nanoGpt.offsets);
    expect(x.dtype).toBe('int32');
    expect(x.tolistSync()).toEqual(nanoGpt.batch_x);
    expect(y.tolistSync()).toEqual(nanoGpt.batch_y);
  });
});

describe('CharTokenizer', () => {
  it('round-trips text and serialises as meta.pkl does', () => {
    const tokenizer = CharTokenizer.fromText('hello, world');
    expect(tokenizer.itos).toEqual([' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tokenizer.decode(tokenizer.encode('hello'))).toBe('hello');
    const meta = tokenizer.toJSON();
    expect(meta.vocab_size).toBe(9);
    expect(meta.stoi['w']).toBe(8);
    expect(meta.itos['0']).toBe(' ');
    expect(CharTokenizer.fromJSON(JSON.parse(JSON.stringify(meta)) as typeof meta).itos).toEqual(tokenizer.itos);
  });

  it('sorts by code point and keeps characters outside the BMP whole, as Python does', () => {
    const tokenizer = CharTokenizer.fromText('b😀aé');
    expect(tokenizer.itos).toEqual(['a', 'b', 'é', '😀']);
    expect(Array.from(tokenizer.encode('😀a'))).toEqual([3, 0]);
  });

  it('names an unknown character and its position, an unknown id, and an inconsistent meta', () => {
    const tokenizer = CharTokenizer.fromText('abc');
    expect(() => tokenizer.encode('abz')).toThrow('CharTokenizer.encode: "z" at position 2 is not in the vocabulary of 3 characters');
    expect(() => tokenizer.decode([0, 7])).toThrow('CharTokenizer.decode: id 7 at position 1 is outside the vocabulary (0 to 2)');
    expect(() => CharTokenizer.fromJSON({ vocab_size: 2, itos: { 0: 'a', 1: 'b' }, stoi: { a: 1, b: 0 } })).toThrow(/stoi gives "a" id 1/);
  });
});

describe('TextBatchSampler', () => {
  const ids = Int32Array.from({ length: 100 }, (_, i) => i);

  it('draws offsets from a seeded generator: the same batches for the same seed', () => {
    const draw = (seed: number) => new TextBatchSampler(ids, { blockSize: 4, batchSize: 3, generator: new Generator(seed) }).next();
    const first = draw(7);
    expect(first.offsets).toEqual(draw(7).offsets);
    expect(first.offsets).not.toEqual(draw(8).offsets);
    first.offsets.forEach((offset, b) => {
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(100 - 4);
      expect((first.x.tolistSync() as number[][])[b]).toEqual([offset, offset + 1, offset + 2, offset + 3]);
      expect((first.y.tolistSync() as number[][])[b]).toEqual([offset + 1, offset + 2, offset + 3, offset + 4]);
    });
  });

  it('refuses texts too short for the block, bad sizes and offsets out of range', () => {
    expect(() => new TextBatchSampler(ids.subarray(0, 4), { blockSize: 4, batchSize: 1 })).toThrow(/has 4 characters, too few for examples of blockSize 4/);
    expect(() => new TextBatchSampler(ids, { blockSize: 0, batchSize: 1 })).toThrow('TextBatchSampler: blockSize must be a positive integer, got 0');
    expect(() => new TextBatchSampler(ids, { blockSize: 4, batchSize: 1 }).batchAt([96])).toThrow('offset 96 is outside 0 to 95 for blockSize 4');
  });

  it('splits 90/10 by default and refuses a fraction outside (0, 1)', () => {
    expect(splitTrainVal(ids).train.length).toBe(90);
    expect(splitTrainVal(ids, 0.5).val.length).toBe(50);
    expect(() => splitTrainVal(ids, 1)).toThrow(/trainFraction/);
  });
});
