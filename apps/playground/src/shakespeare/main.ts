import { CharTokenizer, fetchText, TINY_SHAKESPEARE } from '@kindling/data-text/browser';
import { setBackend } from '@kindling/tensor';
import { bestBackend, startBackends } from '../backends.js';
import { LiveChart } from '../charts.js';
import '../style.css';
import { byTestId, renderBackends } from '../view.js';
import { readGenerateRequest, readTrainSettings } from './fields.js';
import { GptSession, type Corpus, type GptTrainListener, type MeasuredLosses } from './gpt-session.js';
import { DEFAULT_SIZE, MODEL_SIZES, type ModelSize, type SizeId } from './recipe.js';
import './shakespeare.css';

const ui = {
  status: byTestId('status'),
  backend: byTestId<HTMLSelectElement>('backend'),
  backends: byTestId('backends'),
  size: byTestId<HTMLSelectElement>('size'),
  modelInfo: byTestId('model-info'),
  settings: {
    steps: byTestId<HTMLInputElement>('steps'),
    lr: byTestId<HTMLInputElement>('lr'),
    warmupSteps: byTestId<HTMLInputElement>('warmup'),
    evalEvery: byTestId<HTMLInputElement>('eval-every'),
    sampleEvery: byTestId<HTMLInputElement>('sample-every'),
    sampleLength: byTestId<HTMLInputElement>('sample-length'),
  },
  train: byTestId<HTMLButtonElement>('train'),
  pause: byTestId<HTMLButtonElement>('pause'),
  reset: byTestId<HTMLButtonElement>('reset'),
  step: byTestId('step'),
  loss: byTestId('loss'),
  valLoss: byTestId('val-loss'),
  lrNow: byTestId('lr-now'),
  msPerStep: byTestId('ms-per-step'),
  sample: byTestId('sample'),
  sampleStep: byTestId('sample-step'),
  prompt: byTestId<HTMLTextAreaElement>('prompt'),
  generateInputs: {
    length: byTestId<HTMLInputElement>('generate-length'),
    temperature: byTestId<HTMLInputElement>('temperature'),
    topK: byTestId<HTMLInputElement>('top-k'),
  },
  generate: byTestId<HTMLButtonElement>('generate'),
  generated: byTestId('generated'),
  load: byTestId<HTMLInputElement>('load-weights'),
};

const lossChart = new LiveChart(byTestId('loss-chart'), 'Loss', [
  { label: 'train (batch)', stroke: '#d9480f', range: 'from-zero' },
  { label: 'val', stroke: '#1971c2', range: 'from-zero', sparse: true },
]);

let corpus: Corpus | undefined;
/** The backend the session's tensors live on. */
let backendInUse = '';
let session: GptSession | undefined;

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
  for (const control of [ui.reset, ui.load, ui.backend, ui.size, ui.generate]) control.disabled = !ready;
}

function selectedSize(): ModelSize {
  return MODEL_SIZES[ui.size.value as SizeId];
}

function describeModel({ config, model, tokenizer, batchSize }: GptSession): string {
  const parameters = (model.numParameters() / 1e6).toFixed(2);
  return `${config.nLayer} layers, ${config.nHead} heads, ${config.nEmbd} wide, context ${config.blockSize}, dropout ${config.dropout}: ${parameters}M parameters; ${tokenizer.vocabSize} characters; batches of ${batchSize}.`;
}

function resetProgress(): void {
  lossChart.clear();
  for (const field of [ui.loss, ui.valLoss, ui.lrNow, ui.msPerStep]) field.textContent = '–';
  ui.valLoss.title = '';
  ui.sample.textContent = '';
  ui.sampleStep.textContent = '';
  delete ui.sample.dataset['step'];
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

/** Replaces the session (after stopping and freeing the old one) and clears the progress. */
async function replaceSession(next: (loaded: Corpus) => GptSession): Promise<GptSession | undefined> {
  if (corpus === undefined) return undefined;
  await stopSession();
  session = next(corpus);
  ui.modelInfo.textContent = describeModel(session);
  resetProgress();
  updateButtons();
  return session;
}

const freshSession = (loaded: Corpus) => GptSession.create(selectedSize(), loaded);

function showMeasured(step: number, { train, val }: MeasuredLosses): void {
  ui.valLoss.textContent = val.toFixed(4);
  ui.valLoss.title = `train ${train.toFixed(4)}, val ${val.toFixed(4)} at step ${step}`;
}

const listener: GptTrainListener = {
  onStep({ step, loss, lr, ms, measured }) {
    ui.step.textContent = String(step);
    ui.loss.textContent = loss.toFixed(4);
    ui.lrNow.textContent = lr.toExponential(2);
    ui.msPerStep.textContent = ms.toFixed(1);
    if (measured) showMeasured(step, measured);
    lossChart.push(step, loss, measured?.val ?? null);
  },
  onSample({ step, text }) {
    ui.sample.textContent = text;
    ui.sample.dataset['step'] = String(step);
    ui.sampleStep.textContent = `(step ${step})`;
  },
};

async function train(): Promise<void> {
  const current = session;
  if (current === undefined) return;
  let settings;
  try {
    settings = readTrainSettings(ui.settings);
  } catch (error) {
    return failed('Cannot train', error);
  }
  if (current.step >= settings.steps) return say(`Step ${current.step} reached: raise Steps to train further, or reset.`);
  say(`Training on ${backendInUse}…`);
  const run = current.train(() => readTrainSettings(ui.settings), listener);
  updateButtons();
  try {
    await run;
    if (session === current) say(current.step >= readTrainSettings(ui.settings).steps ? `Trained ${current.step} steps.` : `Paused at step ${current.step}.`);
  } catch (error) {
    failed(`Training stopped at step ${current.step}`, error);
  }
  updateButtons();
}

/** Continues the prompt with the current weights; training pauses for it and resumes after. */
async function generate(current: GptSession): Promise<void> {
  const { length, options } = readGenerateRequest(ui.generateInputs);
  const wasRunning = current.running;
  await current.pause();
  ui.generate.disabled = true;
  say(`Writing ${length} characters after the prompt (step ${current.step})…`);
  try {
    const prompt = ui.prompt.value;
    ui.generated.textContent = prompt + (await current.sample(prompt, length, options));
    say(`Wrote ${length} characters at step ${current.step}.`);
  } finally {
    updateButtons();
  }
  if (wasRunning && session === current) void train();
}

/** Reads a checkpoint into a new session and measures its losses. */
async function loadCheckpoint(file: File): Promise<void> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (corpus === undefined) return;
  const { batchSize, evalIters } = selectedSize();
  // Read before the current session is stopped, so a file that does not load leaves it training.
  const next = GptSession.fromCheckpoint(bytes, file.name, corpus, batchSize, evalIters);
  const loaded = await replaceSession(() => next);
  if (loaded === undefined) return;
  say(`Loaded ${file.name}; measuring its losses…`);
  const measured = await loaded.estimateLoss();
  showMeasured(loaded.step, measured);
  lossChart.push(loaded.step, null, measured.val);
  say(`Loaded ${file.name} (step ${loaded.step}): val loss ${measured.val.toFixed(4)}.`);
}

function wireControls(): void {
  ui.train.addEventListener('click', () => void train());
  ui.pause.addEventListener('click', () => void session?.pause());
  ui.reset.addEventListener('click', () => void replaceSession(freshSession).then(() => say('Reset: a fresh model.')));
  ui.size.addEventListener('change', () => void replaceSession(freshSession).then(() => say(`A fresh ${ui.size.value} model.`)));
  ui.backend.addEventListener('change', () => {
    const [name, previous] = [ui.backend.value, backendInUse];
    const switchTo = async (backend: string) => {
      await stopSession();
      await setBackend(backend);
      backendInUse = backend;
      ui.backend.value = backend;
      await replaceSession(freshSession);
    };
    // A backend that fails to run the model sends the page back to the one it left, with a fresh model.
    void switchTo(name)
      .then(() => say(`Backend ${name}: a fresh model.`))
      .catch((error: unknown) => switchTo(previous).finally(() => failed(`Backend ${name} failed; back on ${previous}`, error)));
  });
  ui.generate.addEventListener('click', () => {
    if (session) void generate(session).catch((error: unknown) => failed('Cannot generate', error));
  });
  ui.load.addEventListener('change', () => {
    const file = ui.load.files?.[0];
    if (file === undefined) return;
    void loadCheckpoint(file)
      .catch((error: unknown) => failed(`Could not load ${file.name}`, error))
      .finally(() => (ui.load.value = ''));
  });
}

async function start(): Promise<void> {
  ui.size.replaceChildren(...Object.values(MODEL_SIZES).map((size) => new Option(size.label, size.id)));
  ui.size.value = DEFAULT_SIZE;
  wireControls();
  say('Starting the backends and reading tiny Shakespeare…');
  // The Web Crypto API that checks the SHA-256 is only in secure contexts (https, localhost).
  const verify = window.isSecureContext;
  const corpusUrl = `${import.meta.env.BASE_URL}text/${TINY_SHAKESPEARE.fileName}`;
  const [backends, text] = await Promise.all([startBackends(), fetchText(corpusUrl, verify ? { sha256: TINY_SHAKESPEARE.sha256 } : {})]);
  renderBackends(ui.backends, ui.backend, backends);
  const best = bestBackend(backends);
  ui.backend.value = best;
  await setBackend(best);
  backendInUse = best;
  corpus = { text, tokenizer: CharTokenizer.fromText(text) };
  const current = await replaceSession(freshSession);
  const checked = verify ? 'checksum checked' : 'checksum not checked here: the page is neither https nor localhost (the build checked it)';
  const split = current?.splitLengths ?? { train: 0, val: 0 };
  say(`Ready on ${best}: tiny Shakespeare read (${text.length} characters, ${corpus.tokenizer.vocabSize} distinct; ${split.train} for training, ${split.val} for validation; ${checked}).`);
}

start().catch((error: unknown) => failed('The page could not start', error));
