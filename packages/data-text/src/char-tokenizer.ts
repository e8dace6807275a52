/** What `CharTokenizer.toJSON()` gives: nanoGPT's `meta.pkl` (`vocab_size`, `itos`, `stoi`), as JSON. */
export interface CharTokenizerMeta {
  vocab_size: number;
  itos: Record<string, string>;
  stoi: Record<string, number>;
}

/** The characters of `text` by code point (a character outside the BMP is one character, as in Python). */
function codePoints(text: string): string[] {
  return Array.from(text);
}

function byCodePoint(a: string, b: string): number {
  return (a.codePointAt(0) as number) - (b.codePointAt(0) as number);
}

/**
 * nanoGPT's character tokenizer (`data/shakespeare_char/prepare.py`): the vocabulary is the text's
 * distinct characters sorted by code point, and a character's id is its place in that list.
 */
export class CharTokenizer {
  /** The characters, by id. */
  readonly itos: readonly string[];
  private readonly stoi: ReadonlyMap<string, number>;

  constructor(characters: Iterable<string>) {
    const distinct = [...new Set(characters)];
    for (const character of distinct) {
      if (codePoints(character).length !== 1) throw new TypeError(`CharTokenizer: '${character}' is not one character; give the vocabulary as single characters`);
    }
    this.itos = Object.freeze(distinct.sort(byCodePoint));
    this.stoi = new Map(this.itos.map((character, id) => [character, id]));
  }

  /** The vocabulary of `text`: its distinct characters, sorted (`sorted(list(set(data)))`). */
  static fromText(text: string): CharTokenizer {
    return new CharTokenizer(codePoints(text));
  }

  /** A tokenizer from nanoGPT's `meta.pkl` contents (or `toJSON()`), checking that `itos` and `stoi` agree. */
  static fromJSON(meta: CharTokenizerMeta): CharTokenizer {
    const characters = Array.from({ length: meta.vocab_size }, (_, id) => meta.itos[String(id)]);
    const missing = characters.findIndex((character) => character === undefined);
    if (missing >= 0) throw new RangeError(`CharTokenizer.fromJSON: itos has no character for id ${missing} of vocab_size ${meta.vocab_size}`);
    const tokenizer = new CharTokenizer(characters as string[]);
    for (const [character, id] of Object.entries(meta.stoi)) {
      if (tokenizer.stoi.get(character) !== id) {
        throw new RangeError(`CharTokenizer.fromJSON: stoi gives ${JSON.stringify(character)} id ${id}, but its place in the sorted itos is ${tokenizer.stoi.get(character)}`);
      }
    }
    return tokenizer;
  }

  get vocabSize(): number {
    return this.itos.length;
  }

  /** The ids of `text`'s characters; a character outside the vocabulary is an error naming it and where it is. */
  encode(text: string): Int32Array {
    const characters = codePoints(text);
    const ids = new Int32Array(characters.length);
    characters.forEach((character, position) => {
      const id = this.stoi.get(character);
      if (id === undefined) {
        throw new RangeError(`CharTokenizer.encode: ${JSON.stringify(character)} at position ${position} is not in the vocabulary of ${this.vocabSize} characters`);
      }
      ids[position] = id;
    });
    return ids;
  }

  /** The text of `ids`; an id outside the vocabulary is an error naming it. */
  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let position = 0; position < ids.length; position++) {
      const id = ids[position] as number;
      const character = this.itos[id];
      if (character === undefined) throw new RangeError(`CharTokenizer.decode: id ${id} at position ${position} is outside the vocabulary (0 to ${this.vocabSize - 1})`);
      text += character;
    }
    return text;
  }

  /** nanoGPT's `meta.pkl` as JSON, so a vocabulary moves between the two. */
  toJSON(): CharTokenizerMeta {
    return {
      vocab_size: this.vocabSize,
      itos: Object.fromEntries(this.itos.map((character, id) => [String(id), character])),
      stoi: Object.fromEntries(this.itos.map((character, id) => [character, id])),
    };
  }
}
