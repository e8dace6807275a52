import { canPackTensors, cat, isTensor, packTensors, type Tensor } from '@kindling/tensor';
import type { OptimizableParameter, ParamState } from './optimizer.js';

/*
 * PyTorch's multi-tensor ("foreach") optimizers, the way a GPU without pointers allows: a group's
 * parameters are moved into one flat tensor, each parameter becoming a view of it (the parameter
 * objects, and their data tensors, stay the same), and its state lives in flat tensors the same way.
 * One fused kernel over the flat tensors then updates every parameter of the group: one dispatch
 * instead of one per parameter, plus the copies that line the gradients up.
 */

/** The tensors of a state, by key. */
function stateTensors(state: ParamState | undefined): [string, Tensor][] {
  return Object.entries(state ?? {}).filter((entry): entry is [string, Tensor] => isTensor(entry[1]));
}

/** Whether `tensor` is a view into a larger storage, such as a packed parameter. */
export function isPackedView(tensor: Tensor): boolean {
  return tensor.offset !== 0 || tensor.storage.size !== tensor.numel();
}

/** A parameter group packed into flat tensors: the parameters' data, and their state once it exists. */
export class PackedGroup<S extends ParamState> {
  private constructor(
    private readonly params: readonly OptimizableParameter[],
    /** The parameters' elements, one after another in the group's order. */
    readonly data: Tensor,
    /** The state of the whole group, as one flat tensor per key; undefined until the first update makes it. */
    public state: S | undefined,
  ) {}

  /**
   * Packs `params` (and their state, which all or none of them have, with the same keys and
   * counters), or gives null where they cannot be: a parameter or state tensor is viewed by another
   * tensor, lives on another backend or dtype, or a step is being captured.
   */
  static pack<S extends ParamState>(params: readonly OptimizableParameter[], states: ReadonlyMap<OptimizableParameter, S>): PackedGroup<S> | null {
    const data = params.map((param) => param.data);
    if (!canPackTensors(data)) return null;
    const held = params.map((param) => states.get(param));
    const first = held[0];
    if (held.some((state) => (state === undefined) !== (first === undefined))) return null;
    if (first === undefined) return new PackedGroup<S>(params, packTensors(data).keep(), undefined);
    const signature = (state: S | undefined): string =>
      JSON.stringify(Object.entries(state ?? {}).map(([key, value]) => [key, isTensor(value) ? 'tensor' : value]));
    if (held.some((state) => signature(state) !== signature(first))) return null;
    const keys = stateTensors(first).map(([key]) => key);
    const columns = keys.map((key) => held.map((state) => (state as S)[key] as Tensor));
    if (!columns.every((column) => canPackTensors(column))) return null;
    const flatState = { ...first } as Record<string, Tensor | number>;
    keys.forEach((key, k) => {
      flatState[key] = packTensors(columns[k] as Tensor[]).keep();
    });
    return new PackedGroup(params, packTensors(data).keep(), flatState as S);
  }

  /**
   * Whether the packing still holds for `params`: the same parameters, each still a view of the flat
   * data, and each state made of views of the flat state with its counters (loading a state dict,
   * or moving a parameter to another device, replaces them; a step some parameter sat out moves
   * the others' counters on).
   */
  holds(params: readonly OptimizableParameter[], states: ReadonlyMap<OptimizableParameter, S>): boolean {
    if (this.data.isDisposed || params.length !== this.params.length) return false;
    return params.every((param, i) => {
      if (param !== this.params[i] || param.data.isDisposed || param.data.storage !== this.data.storage) return false;
      const state = states.get(param);
      if (state === undefined || this.state === undefined) return state === this.state;
      const whole = this.state as Record<string, Tensor | number>;
      const own = Object.entries(state);
      return (
        own.length === Object.keys(whole).length &&
        own.every(([key, value]) => (isTensor(value) ? !value.isDisposed && value.storage === (whole[key] as Tensor | undefined)?.storage : value === whole[key]))
      );
    });
  }

  /**
   * After an update of the flat tensors, gives each parameter's state the flat state's counters,
   * and views of any state tensor the update created (the first step's, or amsgrad's turned on later).
   */
  spread(states: Map<OptimizableParameter, S>): void {
    if (this.state === undefined) return;
    const flat = this.state;
    let offset = 0;
    for (const param of this.params) {
      const state = (states.get(param) ?? {}) as Record<string, Tensor | number>;
      for (const [key, value] of Object.entries(flat)) {
        if (!isTensor(value)) state[key] = value;
        else if (state[key] === undefined) {
          const row = value.narrow(0, offset, param.data.numel());
          state[key] = row.reshape(param.data.shape).keep();
          row.dispose();
        }
      }
      states.set(param, state as S);
      offset += param.data.numel();
    }
  }

  /** The gradients of the parameters, one after another as the data are (the copies that line them up). */
  flatGradient(): Tensor {
    const rows = this.params.map((param) => (param.grad as Tensor).reshape([-1]));
    try {
      return cat(rows, 0);
    } finally {
      rows.forEach((row) => row.dispose());
    }
  }

  /** Lets go of the flat tensors; the parameters and their state keep what they view. */
  dispose(): void {
    this.data.dispose();
    for (const [, tensor] of stateTensors(this.state)) tensor.dispose();
  }
}
