import { fetchDataSets } from '@kindling/data-mnist';
import { setBackend } from '@kindling/tensor';
import { bestBackend, startBackends } from './backends.js';
import { LiveChart } from './charts.js';
import { DigitPad } from './digit-pad.js';
import { MODELS, type ModelKind } from './models.js';
import { firstExamples, Session, type Splits, type TrainListener } from './session.js';
import { readNumber, readSettings, TEST_SIZE } from './settings.js';
import './style.css';
import { byTestId, download, formatMemory, formatPercent, renderBackends, renderProbabilities } from './view.js';

const ui = {
  status: byTestId('status'),
  backend: byTestId<HTMLSelectElement>('backend'),
  backends: byTestId('backends'),
  model: byTestId<HTMLSelectElement>('model'),
  optimizer: byTestId('optimizer'),
  settings: {
    steps: byTestId<HTMLInputElement>('steps'),
    lr: byTestId<HTMLInputElement>('lr'),
    batchSize: byTestId<HTMLInputElement>('batch-size'),
    validateEvery: byTestId<HTMLInputElement>('validate-every'),
    validationSize: byTestId<HTMLInputElement>('validation-size'),
  },
  train: byTestId<HTMLButtonElement>('train'),
  pause: byTestId<HTMLButtonElement>('pause'),
  reset: byTestId<HTMLButtonElement>('reset'),
  step: byTestId('step'),
  loss: byTestId('loss'),
  accuracy: byTestId('accuracy'),
  msPerStep: byTestId('ms-per-step'),
  stepsPerSecond: byTestId('steps-per-second'),
  memory: byTestId('memory'),
  probabilities: byTestId('probabilities'),
  download: byTestId<HTMLButtonElement>('download-weights'),
  load: byTestId<HTMLInputElement>('load-weights'),
  evaluate: byTestId<HTMLButtonElement>('evaluate'),
  testSize: byTestId<HTMLInputElement>('test-size'),
  testAccuracy: byTestId('test-accuracy'),
};

const charts = {
  loss: new LiveChart(byTestId('loss-chart'), 'Training loss', [{ label: 'loss', stroke: '#d9480f', range: 'from-zero' }]),
  accuracy: new LiveChart(byTestId('accuracy-chart'), 'Validation accuracy (%)', [{ label: 'accuracy', stroke: '#1971c2', range: [0, 100] }]),
  speed: new LiveChart(byTestId('speed-chart'), 'Time per step (ms)', [{ label: 'ms/step', stroke: '#2f9e44', range: 'from-zero' }]),
  memory: new LiveChart(byTestId('memory-chart'), 'Memory', [
    { label: 'live tensors', stroke: '#7048e8', range: 'from-zero' },
    { label: 'GPU MB', stroke: '#e8590c', scale: 'mb', range: 'from-zero' },
  ]),
};

let data: Splits | undefined;
/** The backend the session's tensors live on. */
let backendInUse = '';
let session: Session | undefined;
/** The last 20 steps' times, for ms/step (their median) and steps/s (wall clock, yields included). */
let recentSteps: { ms: number; at: number }[] = [];

function say(message: string): void {
  ui.status.textContent = message;
}

function failed(what: string, error: unknown): void {
  say(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  updateButtons();
}

function updateButtons(): void {
  const ready = session !== undefined;
  const running = session?.running ?? false;
  ui.train.disabled = !ready || running;
  ui.pause.disabled = !running;
  for (const control of [ui.reset, ui.download, ui.evaluate, ui.load, ui.backend, ui.model]) control.disabled = !ready;
}

function resetProgress(): void {
  for (const chart of Object.values(charts)) chart.clear();
  recentSteps = [];
  for (const field of [ui.loss, ui.accuracy, ui.msPerStep, ui.stepsPerSecond, ui.memory, ui.testAccuracy]) field.textContent = '–';
  delete ui.testAccuracy.dataset['accuracy'];
  ui.step.textContent = String(session?.step ?? 0);
}

/** Stops the session's training and frees its weights. */
async function stopSession(): Promise<void> {
  const old = session;
  session = undefined;
  updateButtons();
  await old?.pause();
  old?.dispose();
}

/** Replaces the session (after stopping and freeing the old one) and clears the charts. */
async function replaceSession(next: Session | ((splits: Splits) => Session)): Promise<Session | undefined> {
  if (data === undefined) return undefined;
  await stopSession();
  session = next instanceof Session ? next : next(data);
  ui.model.value = session.spec.kind;
  ui.optimizer.textContent = `Optimizer: ${session.spec.defaults.optimizer}, as kindling-train ${session.spec.kind === 'cnn' ? '--model cnn ' : ''}uses it.`;
  resetProgress();
  updateButtons();
  await pad.refresh();
  return session;
}

const listener: TrainListener = {
  onStep({ step, loss, ms, memory }) {
    recentSteps = [...recentSteps.slice(-19), { ms, at: performance.now() }];
    const sorted = recentSteps.map((s) => s.ms).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? ms;
    const first = recentSteps[0];
    ui.step.textContent = String(step);
    ui.loss.textContent = loss.toFixed(4);
    ui.msPerStep.textContent = median.toFixed(1);
    if (first && recentSteps.length > 1) ui.stepsPerSecond.textContent = (((recentSteps.length - 1) * 1000) / (performance.now() - first.at)).toFixed(1);
    ui.memory.textContent = formatMemory(memory);
    charts.loss.push(step, loss);
    charts.speed.push(step, ms);
    charts.memory.push(step, memory.numTensors, (memory.deviceBytes ?? 0) / 2 ** 20);
  },
  onValidation({ step, accuracy, examples }) {
    ui.accuracy.textContent = formatPercent(accuracy);
    ui.accuracy.title = `on the first ${examples} validation images`;
    charts.accuracy.push(step, accuracy);
  },
};

async function train(): Promise<void> {
  const current = session;
  if (current === undefined) return;
  let settings;
  try {
    settings = readSettings(ui.settings);
  } catch (error) {
    return failed('Cannot train', error);
  }
  if (current.step >= settings.steps) return say(`Step ${current.step} reached: raise Steps to train further, or reset.`);
  say(`Training ${current.spec.kind} on ${ui.backend.value}…`);
  const run = current.train(() => readSettings(ui.settings), listener);
  updateButtons();
  try {
    await run;
    if (session === current) say(current.step >= readSettings(ui.settings).steps ? `Trained ${current.step} steps.` : `Paused at step ${current.step}.`);
  } catch (error) {
    failed(`Training stopped at step ${current.step}`, error);
  }
  updateButtons();
}

async function evaluateTest(current: Session): Promise<void> {
  if (data === undefined) return;
  const test = firstExamples(data.test, readNumber(ui.testSize, TEST_SIZE));
  ui.testAccuracy.textContent = '…';
  delete ui.testAccuracy.dataset['accuracy'];
  const accuracy = await current.accuracy(test, (done) => say(`Measuring the test accuracy: ${done} of ${test.numExamples} images…`));
  const which = test.numExamples === data.test.numExamples ? `the ${test.numExamples}` : `the first ${test.numExamples}`;
  ui.testAccuracy.textContent = `${formatPercent(accuracy)} on ${which} test images`;
  ui.testAccuracy.dataset['accuracy'] = String(accuracy);
  say(`Test accuracy ${formatPercent(accuracy)} (${current.spec.kind}, step ${current.step}).`);
}

/**
 * The pad and its probabilities. While the drawing has changed and its probabilities are not shown
 * yet, the list is `aria-busy` (what the end-to-end test waits on).
 */
const pad = (() => {
  let latest: Float32Array | undefined;
  let busy = false;
  /** The drawing changed after it was last handed over: its probabilities are still to come. */
  let stale = false;
  const setBusy = (value: boolean) => ui.probabilities.setAttribute('aria-busy', String(value));
  const predict = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      while (latest !== undefined && session !== undefined) {
        const digit = latest;
        latest = undefined;
        renderProbabilities(ui.probabilities, await session.predict(digit));
      }
    } catch (error) {
      failed('Prediction failed', error);
    } finally {
      busy = false;
      setBusy(stale);
    }
  };
  const digitPad = new DigitPad(byTestId('digit-pad'), byTestId('digit-preview'), {
    onStroke: () => {
      stale = true;
      setBusy(true);
    },
    onDigit: (digit) => {
      stale = false;
      latest = digit;
      if (digit !== undefined) return void predict();
      renderProbabilities(ui.probabilities, undefined);
      setBusy(false);
    },
  });
  byTestId('clear-pad').addEventListener('click', () => digitPad.clear());
  return {
    /** Predicts the drawing again, with new weights. */
    refresh: async () => {
      latest = digitPad.digit();
      if (latest === undefined) renderProbabilities(ui.probabilities, undefined);
      else await predict();
    },
  };
})();

function wireControls(): void {
  ui.train.addEventListener('click', () => void train());
  ui.pause.addEventListener('click', () => void session?.pause());
  const fresh = (splits: Splits) => Session.create(ui.model.value as ModelKind, splits);
  ui.reset.addEventListener('click', () => void replaceSession(fresh).then(() => say('Reset: a fresh network.')));
  ui.model.addEventListener('change', () => {
    const spec = MODELS[ui.model.value as ModelKind];
    ui.settings.lr.value = String(spec.defaults.lr);
    ui.settings.batchSize.value = String(spec.defaults.batchSize);
    void replaceSession(fresh).then(() => say(`A fresh ${spec.label}.`));
  });
  ui.backend.addEventListener('change', () => {
    const [name, previous] = [ui.backend.value, backendInUse];
    const switchTo = async (backend: string) => {
      await stopSession();
      await setBackend(backend);
      backendInUse = backend;
      ui.backend.value = backend;
      await replaceSession(fresh);
    };
    // A backend that fails to run the network sends the page back to the one it left, with a fresh network.
    void switchTo(name)
      .then(() => say(`Backend ${name}: a fresh network.`))
      .catch((error: unknown) => switchTo(previous).finally(() => failed(`Backend ${name} failed; back on ${previous}`, error)));
  });
  ui.download.addEventListener('click', () => {
    const current = session;
    void current
      ?.pause()
      .then(() => current.checkpoint())
      .then((bytes) => {
        download(bytes, `kindling-${current.spec.kind}-step${current.step}.safetensors`);
        say(`Downloaded the weights of step ${current.step}.`);
        updateButtons();
      })
      .catch((error: unknown) => failed('Download failed', error));
  });
  ui.load.addEventListener('change', () => {
    const file = ui.load.files?.[0];
    if (file === undefined) return;
    // The file is read into a new network first: one that does not load leaves the current one training.
    void file
      .arrayBuffer()
      .then((buffer) => (data === undefined ? undefined : replaceSession(Session.fromCheckpoint(new Uint8Array(buffer), file.name, data))))
      .then((loaded) => (loaded ? evaluateTest(loaded) : undefined))
      .catch((error: unknown) => failed(`Could not load ${file.name}`, error))
      .finally(() => (ui.load.value = ''));
  });
  ui.evaluate.addEventListener('click', () => {
    const current = session;
    if (current) void current.pause().then(() => evaluateTest(current)).catch((error: unknown) => failed('Evaluation failed', error));
  });
}

async function start(): Promise<void> {
  ui.model.replaceChildren(...Object.values(MODELS).map((spec) => new Option(spec.label, spec.kind)));
  wireControls();
  say('Starting the backends and reading MNIST…');
  const verify = window.isSecureContext;
  const [backends, splits] = await Promise.all([startBackends(), fetchDataSets({ baseUrl: `${import.meta.env.BASE_URL}mnist/`, seed: 0, verify })]);
  renderBackends(ui.backends, ui.backend, backends);
  const best = bestBackend(backends);
  ui.backend.value = best;
  await setBackend(best);
  backendInUse = best;
  data = splits;
  await replaceSession((loaded) => Session.create('mlp', loaded));
  const checked = verify ? 'checksums checked' : 'checksums not checked here: the page is neither https nor localhost (the build checked them)';
  say(`Ready on ${best}: MNIST read (${splits.train.numExamples} training, ${splits.validation.numExamples} validation, ${splits.test.numExamples} test images; ${checked}).`);
}

start().catch((error: unknown) => failed('The playground could not start', error));
