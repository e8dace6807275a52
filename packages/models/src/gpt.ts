import { noGrad, type Variable } from '@kindling/autograd';
import { Dropout, Embedding, functional as F, GELU, init, LayerNorm, Linear, Module, ModuleList } from '@kindling/nn';
import { arange, cat, multinomial, tidy, type Tensor } from '@kindling/tensor';

/**
 * nanoGPT's `GPTConfig`, in camelCase. Its defaults are GPT-2's (124M parameters); nanoGPT's
 * `shakespeare_char` recipe uses `{ blockSize: 256, vocabSize: 65, nLayer: 6, nHead: 6, nEmbd: 384, dropout: 0.2 }`.
 */
export interface GPTConfig {
  /** The longest context the model reads. */
  blockSize: number;
  vocabSize: number;
  nLayer: number;
  nHead: number;
  /** The width of every token's vector; a multiple of `nHead`. */
  nEmbd: number;
  dropout: number;
  /** Biases in the Linears and LayerNorms, as GPT-2; false is a little better and faster. */
  bias: boolean;
}

export const GPT2_CONFIG: Readonly<GPTConfig> = Object.freeze({ blockSize: 1024, vocabSize: 50304, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true });

/*
 * The members below are named as nanoGPT's (`c_attn`, `ln_1`, `lm_head`, ...) because the names are
 * the state-dict keys: a checkpoint moves between the two only if they are the same.
 */

/** Causal self-attention: the heads' queries, keys and values from one projection, then one output projection. */
class CausalSelfAttention extends Module {
  c_attn: Linear;
  c_proj: Linear;
  resid_dropout: Dropout;

  constructor(private readonly config: GPTConfig) {
    super();
    this.c_attn = new Linear(config.nEmbd, 3 * config.nEmbd, { bias: config.bias });
    this.c_proj = new Linear(config.nEmbd, config.nEmbd, { bias: config.bias });
    this.resid_dropout = new Dropout(config.dropout);
  }

  forward(x: Variable): Variable {
    const [batch, time, width] = x.shape as [number, number, number];
    const { nHead, dropout } = this.config;
    const heads = (t: Variable) => t.view(batch, time, nHead, width / nHead).transpose(1, 2);
    const [q, k, v] = this.c_attn.forward(x).split(width, 2) as [Variable, Variable, Variable];
    const attended = F.scaledDotProductAttention(heads(q), heads(k), heads(v), { isCausal: true, dropoutP: this.training ? dropout : 0 });
    return this.resid_dropout.forward(this.c_proj.forward(attended.transpose(1, 2).contiguous().view(batch, time, width)));
  }
}

class MLP extends Module {
  c_fc: Linear;
  gelu = new GELU();
  c_proj: Linear;
  dropout: Dropout;

  constructor(config: GPTConfig) {
    super();
    this.c_fc = new Linear(config.nEmbd, 4 * config.nEmbd, { bias: config.bias });
    this.c_proj = new Linear(4 * config.nEmbd, config.nEmbd, { bias: config.bias });
    this.dropout = new Dropout(config.dropout);
  }

  forward(x: Variable): Variable {
    return this.dropout.forward(this.c_proj.forward(this.gelu.forward(this.c_fc.forward(x))));
  }
}

/** A pre-norm transformer block: attention and the MLP each add to the residual stream. */
class Block extends Module {
  ln_1: LayerNorm;
  attn: CausalSelfAttention;
  ln_2: LayerNorm;
  mlp: MLP;

  constructor(config: GPTConfig) {
    super();
    this.ln_1 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.attn = new CausalSelfAttention(config);
    this.ln_2 = new LayerNorm(config.nEmbd, { bias: config.bias });
    this.mlp = new MLP(config);
  }

  forward(x: Variable): Variable {
    const attended = x.add(this.attn.forward(this.ln_1.forward(x)));
    return attended.add(this.mlp.forward(this.ln_2.forward(attended)));
  }
}

/** nanoGPT's `transformer` ModuleDict, as a module whose members are its keys. */
class TransformerTrunk extends Module {
  wte: Embedding;
  wpe: Embedding;
  drop: Dropout;
  h: ModuleList<Block>;
  ln_f: LayerNorm;

  constructor(config: GPTConfig) {
    super();
    this.wte = new Embedding(config.vocabSize, config.nEmbd);
    this.wpe = new Embedding(config.blockSize, config.nEmbd);
    this.drop = new Dropout(config.dropout);
    this.h = new ModuleList(Array.from({ length: config.nLayer }, () => new Block(config)));
    this.ln_f = new LayerNorm(config.nEmbd, { bias: config.bias });
  }

  forward(idx: Tensor): Variable {
    const positions = arange(0, idx.shape[1] as number, 1, { dtype: 'int32', device: idx.device });
    let x = this.drop.forward(this.wte.forward(idx).add(this.wpe.forward(positions)));
    for (const block of this.h) x = block.forward(x);
    return this.ln_f.forward(x);
  }
}

export interface GenerateOptions {
  /** Divides the logits: below 1 sharper, above 1 more random (default 1). */
  temperature?: number;
  /** Samples only from the `topK` most likely tokens. */
  topK?: number;
}

/**
 * nanoGPT's GPT: token and position embeddings, `nLayer` pre-norm blocks of causal self-attention
 * and a 4× GELU MLP, a final LayerNorm, and an output layer tied to the token embedding. Its
 * initialisation is nanoGPT's (normal with std 0.02, biases 0, the residual projections
 * `c_proj.weight` with std 0.02/√(2·nLayer)), and its state-dict keys are nanoGPT's
 * (`transformer.wte.weight`, `transformer.h.0.attn.c_attn.weight`, …, `lm_head.weight`).
 */
export class GPT extends Module {
  readonly config: Readonly<GPTConfig>;
  transformer: TransformerTrunk;
  lm_head: Linear;

  constructor(config: Partial<GPTConfig> & Pick<GPTConfig, 'vocabSize' | 'blockSize'>) {
    super();
    this.config = Object.freeze({ ...GPT2_CONFIG, ...config });
    const { nEmbd, nHead, nLayer, vocabSize } = this.config;
    if (!Number.isInteger(nEmbd / nHead)) throw new RangeError(`GPT: nEmbd ${nEmbd} must be a multiple of nHead ${nHead}`);
    this.transformer = new TransformerTrunk(this.config);
    this.lm_head = new Linear(nEmbd, vocabSize, { bias: false });
    this.transformer.wte.weight = this.lm_head.weight;
    this.apply((module) => {
      if (module instanceof Linear) {
        init.normal(module.weight, 0, 0.02);
        if (module.bias) init.zeros(module.bias);
      } else if (module instanceof Embedding) {
        init.normal(module.weight, 0, 0.02);
      }
    });
    for (const [name, parameter] of this.namedParameters()) {
      if (name.endsWith('c_proj.weight')) init.normal(parameter, 0, 0.02 / Math.sqrt(2 * nLayer));
    }
  }

  /** The parameter count; without the position embeddings unless `nonEmbedding` is false, as nanoGPT reports it. */
  numParameters(nonEmbedding = true): number {
    const total = this.parameters().reduce((sum, parameter) => sum + parameter.numel(), 0);
    return nonEmbedding ? total - this.transformer.wpe.weight.numel() : total;
  }

  /**
   * `idx` int32 [batch, time] to logits [batch, time, vocabSize] and, with `targets` (int32
   * [batch, time], -1 ignored), the mean cross-entropy. Without targets only the last position's
   * logits are computed ([batch, 1, vocabSize]), as nanoGPT does for sampling.
   */
  forward(idx: Tensor, targets?: Tensor): [logits: Variable, loss: Variable | null] {
    const [, time] = idx.shape as [number, number];
    if (idx.ndim !== 2) throw new RangeError(`GPT.forward: idx must be int32 [batch, time], got shape [${idx.shape.join(', ')}]`);
    if (time > this.config.blockSize) throw new RangeError(`GPT.forward: cannot read a sequence of ${time} tokens, the block size is ${this.config.blockSize}`);
    const x = this.transformer.forward(idx);
    if (targets === undefined) return [this.lm_head.forward(x.narrow(1, time - 1, 1)), null];
    const logits = this.lm_head.forward(x);
    const loss = F.crossEntropy(logits.view(-1, this.config.vocabSize), targets.reshape(-1), { ignoreIndex: -1 });
    return [logits, loss];
  }

  /**
   * nanoGPT's `generate`: appends `maxNewTokens` tokens to `idx` (int32 [batch, time]), each drawn
   * from the softmax of the last logits divided by `temperature`, among the `topK` most likely if
   * given. Put the model in `eval()` mode first, as with nanoGPT. Returns a new tensor; `idx` is the caller's.
   */
  generate(idx: Tensor, maxNewTokens: number, { temperature = 1, topK }: GenerateOptions = {}): Tensor {
    if (!(temperature > 0)) throw new RangeError(`GPT.generate: temperature must be positive, got ${temperature}`);
    let sequence = idx;
    for (let step = 0; step < maxNewTokens; step++) {
      const previous = sequence;
      sequence = tidy(() =>
        noGrad(() => {
          const length = previous.shape[1] as number;
          const context = length <= this.config.blockSize ? previous : previous.narrow(1, length - this.config.blockSize, this.config.blockSize);
          let logits = this.forward(context)[0].data.select(1, 0).div(temperature);
          if (topK !== undefined) {
            const kth = logits.topk(Math.min(topK, logits.shape[1] as number), -1).values.narrow(1, Math.min(topK, logits.shape[1] as number) - 1, 1);
            logits = logits.maskedFill(logits.lt(kth), -Infinity);
          }
          return cat([previous, multinomial(logits.softmax(-1), 1)], 1);
        }),
      );
      if (previous !== idx) previous.dispose();
    }
    return sequence;
  }
}
