import type { Backend, BackendFactory } from './backend.js';
import { canProbe, runProbe, type BackendProbe } from './backend-probe.js';
import { registerCpuBackend } from './backends/cpu/cpu-backend.js';
import { isDType } from './dtype.js';
import { claimSingleCopy } from './single-copy.js';

claimSingleCopy(import.meta.url);

/** Thrown by `setBackend` when a backend cannot start here; `reason` says why (a missing driver, an old glibc). */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backendName: string,
    readonly reason: string,
  ) {
    super(`backend '${backendName}' is unavailable: ${reason}`);
    this.name = 'BackendUnavailableError';
  }
}

/**
 * Thrown by a backend's factory when a setting the user gave (an environment variable, an option)
 * is wrong. Unlike a missing driver, that is reported even when the backend was only tried while
 * choosing the default: one line on stderr, then the next backend is used.
 */
export class BackendConfigurationError extends Error {
  override name = 'BackendConfigurationError';
}

export interface BackendInfo {
  name: string;
  priority: number;
  /** Whether it started; `'not probed yet'` until it has been tried (`probeBackends()` tries every one). */
  available: boolean | 'not probed yet';
  reason?: string;
  /** What the backend's probe wrote to stderr (driver messages), kept out of the terminal. */
  probeOutput?: string;
}

/** Options of {@link registerBackend}. */
export interface RegisterBackendOptions {
  /** Higher is preferred by `ready()` (cpu is 0). */
  priority?: number;
  /** A check run in a child process (in Node) before the factory, so that drivers' messages from a failed start stay off the terminal. */
  probe?: BackendProbe;
}

interface Registration {
  factory: BackendFactory;
  priority: number;
  probe?: BackendProbe;
  probeOutput?: string;
  instance?: Backend;
  failure?: string;
  /** The failure was a `BackendConfigurationError`: the user's setting, not the machine. */
  misconfigured?: boolean;
  pending?: Promise<Backend>;
}

const registrations = new Map<string, Registration>();

/** A backend package that was imported, and the function it exports that registers its backend. */
interface ImportedBackendPackage {
  packageName: string;
  registerFunction: string;
}

/** Backend packages imported in this process, by backend name, whether or not they registered their backend. */
const importedPackages = new Map<string, ImportedBackendPackage>();

/** The first-party backend packages, so that an error about an unregistered one can say where it comes from. */
const FIRST_PARTY_PACKAGES: Readonly<Record<string, ImportedBackendPackage>> = {
  workers: { packageName: '@kindling/backend-workers', registerFunction: 'registerWorkersBackend' },
  webgpu: { packageName: '@kindling/backend-webgpu', registerFunction: 'registerWebGpuBackend' },
  gpujs: { packageName: '@kindling/backend-gpujs', registerFunction: 'registerGpuJsBackend' },
};

let unregisteredImportsReported = false;

/**
 * @internal Called when a backend package is imported. It registers nothing (registration stays an
 * explicit call), but if the package's backend is still unregistered when the default backend is
 * chosen, the choice says so once: a user who imported `@kindling/backend-workers` and forgot
 * `registerWorkersBackend()` would otherwise train on `cpu` many times slower without a word.
 */
export function announceBackendPackage(backendName: string, packageName: string, registerFunction: string): void {
  importedPackages.set(backendName, { packageName, registerFunction });
}

/** How to register `name`, for the error of a `setBackend` or `findBackend` of a name that is not registered. */
function notRegistered(name: string): string {
  const registered = `no backend of that name is registered (registered: ${[...registrations.keys()].join(', ')})`;
  const source = importedPackages.get(name) ?? FIRST_PARTY_PACKAGES[name];
  if (!source) return `${registered}; register it first with the function its package exports (registerWorkersBackend() from @kindling/backend-workers, for one)`;
  return `${registered}; call ${source.registerFunction}() from ${source.packageName} first (importing the package does not register it)`;
}

/** Says once that the default is a backend other than one whose package was imported but not registered. */
function reportUnregisteredImports(chosen: string): void {
  if (unregisteredImportsReported) return;
  const forgotten = [...importedPackages].filter(([name]) => !registrations.has(name));
  if (forgotten.length === 0) return;
  unregisteredImportsReported = true;
  for (const [name, { packageName, registerFunction }] of forgotten) {
    console.warn(
      `kindling: ${packageName} is imported but its backend '${name}' is not registered, so tensors go to '${chosen}'; ` +
        `call ${registerFunction}() before the first op (or setBackend('${chosen}') to choose '${chosen}' and silence this)`,
    );
  }
}
let active: Backend | undefined;
let builtInsRegistered = false;

/** The reference `cpu` backend ships with this package, so it is always registered before first use. */
function ensureBuiltIns(): void {
  if (builtInsRegistered) return;
  builtInsRegistered = true;
  registerCpuBackend();
}

/**
 * Registers a backend under `name`. The default backend is the highest-priority one that starts;
 * `KINDLING_BACKEND=<name>` overrides that choice.
 */
export function registerBackend(name: string, factory: BackendFactory, options: RegisterBackendOptions = {}): void {
  ensureBuiltIns();
  if (!/^[a-z][a-z0-9-]*$/.test(name) || isDType(name)) {
    throw new Error(`registerBackend: '${name}' is not a valid backend name (lowercase letters, digits and '-', not a dtype)`);
  }
  if (registrations.has(name)) throw new Error(`registerBackend: a backend named '${name}' is already registered`);
  registrations.set(name, { factory, priority: options.priority ?? 0, ...(options.probe ? { probe: options.probe } : {}) });
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function recordFailure(registration: Registration, error: unknown): string {
  registration.failure = describeError(error);
  registration.misconfigured = error instanceof BackendConfigurationError;
  return registration.failure;
}

/** Says, once per choice, which higher-priority backends a wrong setting made the default skip. */
function reportSkipped(chosen: string): void {
  for (const [name, registration] of registrations) {
    if (!registration.misconfigured || name === chosen) continue;
    console.warn(`kindling: skipped backend '${name}': ${registration.failure}; using '${chosen}' instead`);
  }
}

async function initialise(name: string): Promise<Backend> {
  ensureBuiltIns();
  const registration = registrations.get(name);
  if (!registration) throw new BackendUnavailableError(name, notRegistered(name));
  if (registration.instance) return registration.instance;
  if (registration.failure !== undefined) throw new BackendUnavailableError(name, registration.failure);
  registration.pending ??= probeFirst(registration)
    .then(() => registration.factory())
    .then((backend) => {
      registration.instance = backend;
      return backend;
    })
    .catch((error: unknown) => {
      throw new BackendUnavailableError(name, recordFailure(registration, error));
    })
    .finally(() => {
      registration.pending = undefined;
    });
  return registration.pending;
}

/** Runs the registration's probe where probes can run; rejects with the probe's reason when the backend cannot start. */
async function probeFirst(registration: Registration): Promise<void> {
  if (!registration.probe || !canProbe()) return;
  const { reason, output } = await runProbe(registration.probe);
  if (output) registration.probeOutput = output;
  if (reason !== undefined) throw new Error(reason);
}

/** Makes `name` the backend that new tensors are created on. */
export async function setBackend(name: string): Promise<Backend> {
  active = await initialise(name);
  return active;
}

/** Initialises the preferred backend: `KINDLING_BACKEND` if set, else the highest priority that starts. */
export async function ready(): Promise<Backend> {
  ensureBuiltIns();
  if (active) return active;
  const requested = typeof process !== 'undefined' ? process.env['KINDLING_BACKEND'] : undefined;
  if (requested) return setBackend(requested);
  const failures: string[] = [];
  for (const [name] of [...registrations].sort(([, a], [, b]) => b.priority - a.priority)) {
    try {
      const backend = await setBackend(name);
      reportSkipped(name);
      reportUnregisteredImports(name);
      return backend;
    } catch (error) {
      failures.push(describeError(error));
    }
  }
  throw new Error(`no backend could be started:\n  ${failures.join('\n  ')}`);
}

function startSynchronously(name: string): Backend | undefined {
  ensureBuiltIns();
  const registration = registrations.get(name);
  if (!registration || registration.failure !== undefined) return undefined;
  if (registration.instance) return registration.instance;
  // A probe runs in a child process, which a synchronous start cannot wait for.
  if (registration.probe && canProbe()) return undefined;
  try {
    const created = registration.factory();
    if (created instanceof Promise) return undefined;
    registration.instance = created;
    return created;
  } catch (error) {
    recordFailure(registration, error);
    return undefined;
  }
}

/**
 * The backend new tensors go to. Before any `setBackend`, the highest-priority backend whose factory
 * starts synchronously is chosen; backends that start asynchronously need `await setBackend(name)`.
 */
export function getBackend(): Backend {
  ensureBuiltIns();
  if (active) return active;
  const requested = typeof process !== 'undefined' ? process.env['KINDLING_BACKEND'] : undefined;
  if (requested) {
    const backend = startSynchronously(requested);
    if (!backend) {
      const failure = registrations.get(requested)?.failure;
      throw new BackendUnavailableError(
        requested,
        failure ?? (registrations.has(requested) ? `it starts asynchronously: call await setBackend('${requested}') first` : notRegistered(requested)),
      );
    }
    active = backend;
    return active;
  }
  for (const [name] of [...registrations].sort(([, a], [, b]) => b.priority - a.priority)) {
    const backend = startSynchronously(name);
    if (backend) {
      active = backend;
      reportSkipped(name);
      reportUnregisteredImports(name);
      return active;
    }
  }
  throw new Error('no backend could be started synchronously: call await setBackend(name) first');
}

/** The started backend called `name`, starting it if it starts synchronously. */
export function findBackend(name: string): Backend {
  const backend = registrations.get(name)?.instance ?? startSynchronously(name);
  if (!backend) {
    const registration = registrations.get(name);
    const reason = !registration
      ? notRegistered(name)
      : (registration.failure ?? `it starts asynchronously: call await setBackend('${name}') first`);
    throw new BackendUnavailableError(name, reason);
  }
  return backend;
}

/** Every registered backend, best first, with whether it started and why not. */
export function listBackends(): BackendInfo[] {
  ensureBuiltIns();
  return [...registrations]
    .sort(([, a], [, b]) => b.priority - a.priority)
    .map(([name, r]) => ({
      name,
      priority: r.priority,
      available: r.instance ? true : r.failure !== undefined ? false : 'not probed yet',
      ...(r.failure !== undefined ? { reason: r.failure } : {}),
      ...(r.probeOutput !== undefined ? { probeOutput: r.probeOutput } : {}),
    }));
}

/** Tries every registered backend so that `listBackends()` can report each one's availability. */
export async function probeBackends(): Promise<BackendInfo[]> {
  ensureBuiltIns();
  await Promise.allSettled([...registrations.keys()].map((name) => initialise(name)));
  return listBackends();
}
