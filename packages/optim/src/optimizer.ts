import { guardReplay, isCapturing, isTensor, rebindOnReplay, replayable, zerosLike, type Backend, type Tensor } from '@kindling/tensor';
import { isPackedView, PackedGroup } from './packed-group.js';
import { checkOptimizerStateDict, type StateKeys } from './state-dict-check.js';

/**
 * What an optimizer updates: a tensor plus the gradient that `backward()` left on it. A `Variable`
 * from @kindling/autograd matches, but optim only needs this shape, so it depends on
 * @kindling/tensor alone.
 */
export interface OptimizableParameter {
  readonly data: Tensor;
  grad: Tensor | null;
  readonly requiresGrad: boolean;
}

/** Per-parameter optimizer state as `stateDict()` writes it: tensors and counters by name. */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group as passed in: its parameters plus any hyperparameters that override the defaults. */
export type ParamGroupInput<H> = { params: Iterable<OptimizableParameter> } & Partial<H>;

/** A parameter group as the optimizer holds it. Schedulers change `lr` here between steps. */
export type ParamGroup<H> = H & { params: OptimizableParameter[] };

/** A snapshot of an optimizer, as PyTorch's `state_dict()`: parameters appear as their index. */
export interface OptimizerStateDict<H> {
  /** Keyed by the parameter's position, counting through the groups in order. */
  state: Record<number, ParamState>;
  paramGroups: (H & { params: number[] })[];
}

/** The option every optimizer takes besides its hyperparameters. */
export interface ForeachOption {
  /**
   * Pack each parameter group into flat tensors and update it with one kernel launch (PyTorch's
   * `foreach`): `true` or `false` on every backend; by default (undefined) where the parameters'
   * backend says launches are costly (webgpu), as PyTorch uses it on CUDA and not on the CPU.
   */
  foreach?: boolean;
}

/** Options for {@link Optimizer.zeroGrad}. */
export interface ZeroGradOptions {
  /** Drop the gradients (the default, as in PyTorch 2) rather than fill them with zeros. */
  setToNone?: boolean;
}

/**
 * The base of every optimizer, after `torch.optim.Optimizer`: parameter groups with per-group
 * hyperparameters, per-parameter state owned by the optimizer and created on the first step, and
 * a `step()` that updates each parameter in place.
 *
 * Subclasses supply `resolveSettings` (fill in and validate one group's hyperparameters),
 * `newState` and `update` (one fused kernel launch). With `foreach` (by default on backends whose
 * launches are costly), a group of two or more parameters that all have gradients is packed into
 * flat tensors on its first step (see packed-group.ts) and updated by one launch over them all;
 * the results are the same as updating each parameter on its own.
 */
export abstract class Optimizer<H extends { lr: number }, S extends ParamState = ParamState> {
  /** The parameter groups, in order. Change a group's `lr` (or other settings) between steps to schedule it. */
  readonly paramGroups: ParamGroup<H>[] = [];
  /** The hyperparameters a group gets unless it sets its own. */
  readonly defaults: Readonly<Partial<H>>;
  // Keyed by the parameter object rather than stored on it, so a parameter can be handed to a new
  // optimizer (or two) without stale state travelling along.
  private readonly paramState = new Map<OptimizableParameter, S>();
  private readonly packed = new Map<ParamGroup<H>, PackedGroup<S>>();
  private readonly foreach: boolean | undefined;

  /**
   * @param name - The optimizer's name, used in error messages.
   * @param params - Parameters, or parameter groups each with its own hyperparameter overrides.
   * @param defaults - Hyperparameters for groups that do not set them.
   */
  protected constructor(
    protected readonly name: string,
    params: Iterable<OptimizableParameter> | Iterable<ParamGroupInput<H>>,
    { foreach, ...defaults }: Partial<H> & ForeachOption,
  ) {
    this.foreach = foreach;
    this.defaults = Object.freeze(withoutUndefined(defaults as Partial<H>));
    const groups: ParamGroupInput<H>[] = [];
    const loose: OptimizableParameter[] = [];
    for (const item of params) {
      if ('params' in item) groups.push(item);
      else loose.push(item);
    }
    if (groups.length > 0 && loose.length > 0) {
      throw new TypeError(`${name}: pass either parameters or parameter groups ({ params, ...overrides }), not a mix`);
    }
    if (groups.length === 0 && loose.length === 0) throw new Error(`${name}: got an empty parameter list`);
    if (loose.length > 0) this.addGroup(loose, {});
    groups.forEach((group) => this.addParamGroup(group));
  }

  /** The state of each parameter that has taken a step; empty until the first `step()`. */
  get state(): ReadonlyMap<OptimizableParameter, Readonly<S>> {
    return this.paramState;
  }

  /** Adds a group of parameters, for example to start training a layer that was frozen. */
  addParamGroup(group: ParamGroupInput<H>): void {
    this.addGroup(group.params, group);
  }

  private addGroup(params: Iterable<OptimizableParameter>, overrides: Partial<H>): void {
    const list = [...params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    list.forEach((param, i) => {
      if (!param || !isTensor(param.data)) {
        throw new TypeError(`${this.name}: parameter ${i} of group ${this.paramGroups.length} is not a parameter (an object with a tensor 'data' and a 'grad')`);
      }
      if (seen.has(param)) throw new Error(`${this.name}: a parameter appears more than once in the parameter groups`);
      seen.add(param);
    });
    // resolveSettings picks out the hyperparameters by name, so a `params` key in `overrides` is ignored.
    const settings = this.resolveSettings({ ...this.defaults, ...withoutUndefined(overrides) });
    this.paramGroups.push({ ...settings, params: list });
  }

  /**
   * Clears every parameter's gradient before the next backward pass. By default the gradient tensor
   * is disposed and set to `null`; `{ setToNone: false }` sets it to zeros in place instead.
   */
  zeroGrad({ setToNone = true }: ZeroGradOptions = {}): void {
    // Under compile(), a replay clears the gradients it finds, as the step written out does.
    replayable(() => {
      for (const param of this.paramGroups.flatMap((group) => group.params)) {
        const grad = param.grad;
        if (grad === null) continue;
        if (!setToNone && grad.isContiguous()) {
          grad.zero_();
          continue;
        }
        // A gradient set by hand may be a broadcast view, which cannot be written: it gets zeros of its own.
        param.grad = setToNone ? null : zerosLike(grad).keep();
        grad.dispose();
      }
    });
  }

  /**
   * Applies one update to every parameter that has a gradient (parameters whose `grad` is `null` are
   * skipped, as in PyTorch). The kernels are launched before the first `await`, so the update has
   * been issued when `step()` returns; the promise resolves once the backends have finished it.
   *
   * @example
   * loss.backward();
   * await optimizer.step();
   * optimizer.zeroGrad();
   */
  async step(): Promise<void> {
    const backends = new Set<Backend>();
    // Under compile(), the update is recorded as this host step and run again at each replay, so
    // the learning rates, step counts and checks are those of the replayed step.
    replayable(() => {
      // A group's lr may have been set since the constructor checked it (by hand or by a scheduler);
      // a NaN or negative rate would corrupt every weight without an error, so no parameter moves.
      this.paramGroups.forEach(({ lr }, index) => {
        if (!(typeof lr === 'number' && lr >= 0)) {
          throw new RangeError(`${this.name}.step: parameter group ${index} has an invalid learning rate: ${String(lr)} (lr must be a number >= 0); no parameter was updated`);
        }
      });
      for (const group of this.paramGroups) {
        if (!this.updatePacked(group)) {
          for (const param of group.params) if (param.grad !== null) this.updateParameter(param, param.grad, group);
        }
        for (const param of group.params) if (param.grad !== null) backends.add(param.data.backend);
      }
    });

    if (isCapturing()) this.rebindGradients();
    // One point of backpressure per step: an asynchronous backend can queue every kernel above and
    // the training loop waits here instead of running ahead of the device.
    await Promise.all([...backends].flatMap((backend) => (backend.flush ? [backend.flush()] : [])));
  }

  /**
   * Updates every parameter of `group` with one launch over its packed tensors, packing them first
   * where they are not; false where the group cannot be updated that way this step (a parameter has
   * no gradient, or one of them cannot be packed) and must go parameter by parameter.
   */
  private updatePacked(group: ParamGroup<H>): boolean {
    if (group.params.length < 2 || group.params.some((param) => param.grad === null)) return false;
    if (!(this.foreach ?? group.params.every((param) => param.data.backend.prefersFewerLaunches === true))) return false;
    let packed = this.packed.get(group);
    if (!packed?.holds(group.params, this.paramState)) {
      packed?.dispose();
      this.packed.delete(group);
      packed = PackedGroup.pack(group.params, this.paramState) ?? undefined;
      if (!packed) return false;
      this.packed.set(group, packed);
    }
    let firstStep = false;
    if (packed.state === undefined) {
      packed.state = this.newState(packed.data, group);
      firstStep = packed.state !== undefined;
    }
    const grad = packed.flatGradient();
    try {
      this.update(packed.data, grad, packed.state, group, firstStep);
    } finally {
      grad.dispose();
    }
    packed.spread(this.paramState);
    return true;
  }

  /** Updates one parameter; a packed one whose group cannot take its packed step this time works on copies. */
  private updateParameter(param: OptimizableParameter, grad: Tensor, group: ParamGroup<H>): void {
    let state = this.paramState.get(param);
    const firstStep = state === undefined;
    if (state === undefined) {
      state = this.newState(param.data, group);
      if (state !== undefined) this.paramState.set(param, state);
    }
    const views = Object.entries(state ?? {}).filter((entry): entry is [string, Tensor] => isTensor(entry[1]) && isPackedView(entry[1]));
    if (!isPackedView(param.data) && views.length === 0) {
      this.update(param.data, grad, state, group, firstStep);
      return;
    }
    // The fused kernels write whole storages, so a view is updated through a copy and written back.
    const data = isPackedView(param.data) ? param.data.clone() : param.data;
    const copies = state && ({ ...state, ...Object.fromEntries(views.map(([key, view]) => [key, view.clone()])) } as S);
    this.update(data, grad, copies, group, firstStep);
    if (data !== param.data) {
      param.data.copy_(data);
      data.dispose();
    }
    if (state === undefined || copies === undefined) return;
    const written = state as Record<string, Tensor | number>;
    for (const [key, value] of Object.entries(copies)) {
      const view = views.find(([viewKey]) => viewKey === key)?.[1];
      if (view && isTensor(value)) {
        view.copy_(value);
        value.dispose();
      } else {
        written[key] = value;
      }
    }
  }

  /**
   * A replay gives each parameter the gradient it computes, as the step written out does, before
   * the update reads it; and it must update the same parameters: the groups' lists are checked
   * before it runs.
   */
  private rebindGradients(): void {
    for (const param of this.paramGroups.flatMap((group) => group.params)) {
      if (param.grad === null) continue;
      rebindOnReplay(param.grad, (fresh) => {
        const previous = param.grad;
        param.grad = fresh.keep();
        if (previous !== fresh) previous?.dispose();
      });
    }
    const groups = this.paramGroups.map((group) => [...group.params]);
    guardReplay(() => groups.length === this.paramGroups.length && this.paramGroups.every((group, g) => sameItems(group.params, groups[g] ?? [])));
  }

  /**
   * A copy of the optimizer's state and hyperparameters, as PyTorch's `state_dict()`. The tensors
   * are clones that the caller owns: later steps do not change them.
   */
  stateDict(): OptimizerStateDict<H> {
    const index = new Map<OptimizableParameter, number>();
    for (const param of this.paramGroups.flatMap((group) => group.params)) index.set(param, index.size);
    const paramGroups = this.paramGroups.map((group) => ({
      ...group,
      params: group.params.map((param) => index.get(param) as number),
    }));
    const state: Record<number, ParamState> = {};
    for (const [param, values] of this.paramState) {
      const position = index.get(param);
      if (position === undefined) continue;
      state[position] = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, isTensor(value) ? value.clone() : value]));
    }
    return { state, paramGroups };
  }

  /**
   * Restores a snapshot from `stateDict()`. Everything is checked before anything changes: the
   * layout, the groups' sizes and setting names, and every parameter's state keys (those this
   * optimizer keeps, no others, none missing), each state tensor's shape, dtype and device. An error
   * names the group or parameter index and the key; another optimizer's state (SGD's into Adam) is
   * refused. The tensors are copied, so the caller may dispose `stateDict` afterwards.
   */
  loadStateDict(stateDict: OptimizerStateDict<H>): void {
    const { groupSettings, entries } = checkOptimizerStateDict(stateDict, {
      where: `${this.name}.loadStateDict`,
      name: this.name,
      groups: this.paramGroups,
      settingNames: Object.keys(this.paramGroups[0] ?? {}).filter((key) => key !== 'params'),
      stateKeys: this.stateKeys,
    });
    // Settings missing from the snapshot keep their current values.
    const settings = groupSettings.map((saved, g) => this.resolveSettings({ ...(this.paramGroups[g] as ParamGroup<H>), ...withoutUndefined(saved) }));

    this.dispose();
    for (const [param, values] of entries) {
      const copy = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, isTensor(value) ? value.clone().keep() : value]));
      this.paramState.set(param, copy as S);
    }
    settings.forEach((hyper, g) => Object.assign(this.paramGroups[g] as ParamGroup<H>, hyper));
  }

  /** Frees the optimizer's state tensors; the next step starts from fresh state. */
  dispose(): void {
    for (const packed of this.packed.values()) packed.dispose();
    this.packed.clear();
    for (const values of this.paramState.values()) {
      for (const value of Object.values(values)) if (isTensor(value)) value.dispose();
    }
    this.paramState.clear();
  }

  /**
   * Validates one group's hyperparameters, given the defaults merged with the group's overrides, and
   * returns a new object holding exactly the hyperparameters (other keys, such as `params`, dropped).
   */
  protected abstract resolveSettings(merged: Partial<H>): H;

  /** The keys of one parameter's state, which `loadStateDict` checks a snapshot against. */
  protected abstract readonly stateKeys: StateKeys;

  /**
   * The state for parameter data `data` on its first step (PyTorch's lazy state), or undefined where
   * `group` keeps none (SGD without momentum). `data` is one parameter's, or a packed group's.
   */
  protected abstract newState(data: Tensor, group: ParamGroup<H>): S | undefined;

  /**
   * Updates `data` and `state` in place from `grad` with one fused kernel: one parameter's, or a
   * packed group's flat tensors. `firstStep` says `state` was just made by `newState`.
   */
  protected abstract update(data: Tensor, grad: Tensor, state: S | undefined, group: ParamGroup<H>, firstStep: boolean): void;

  /** A zero tensor shaped like `data` that survives any surrounding `tidy()`. */
  protected zeroState(data: Tensor): Tensor {
    return zerosLike(data).keep();
  }

  /** Throws a RangeError naming the value unless `value >= 0` (so NaN fails too). */
  protected requireNonNegative(label: string, key: string, value: number): void {
    if (!(value >= 0)) throw new RangeError(`${this.name}: invalid ${label}: ${value} (${key} must be >= 0)`);
  }
}

/** Drops keys whose value is `undefined`, so `{ lr: undefined }` does not hide the default. */
function withoutUndefined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
