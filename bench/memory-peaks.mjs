// Peak memory of the examples/mnist cnn, as issue-style figures for `pnpm bench`: one training step
// at batch 64 (forward, nll loss, backward, Adadelta, written as in PyTorch with no tidy), or one
// evaluation forward at batch 1000 under noGrad. Run in a fresh process per figure: the peak is the
// process's resident set at its highest (maxRSS) minus the resident set once the model, its
// optimizer and the batch exist, which is how bench/pytorch_memory.py measures PyTorch. Where the
// engine counts bytes (memory().peakBytes), its peak of live tensor bytes is reported too.
//
// Usage: node bench/memory-peaks.mjs --backend workers --what train|eval; prints one JSON object.
import { parseArgs } from 'node:util';
import { noGrad } from '@kindling/autograd';
import { functional as F } from '@kindling/nn';
import { Adadelta } from '@kindling/optim';
import { manualSeed, memory, randint, randn, setBackend } from '@kindling/tensor';
import { ConvNet, registerBackends } from '@kindling/trainer';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'workers' }, what: { type: 'string', default: 'train' } } });
registerBackends();
const backend = await setBackend(values.backend);
manualSeed(0);
const net = new ConvNet();
const optimizer = new Adadelta(net.parameters(), { lr: 1.0 });
const batchSize = values.what === 'train' ? 64 : 1000;
const input = randn([batchSize, 1, 28, 28]);
const target = randint(0, 10, [batchSize]);
if (values.what === 'eval') net.eval();

const mb = (bytes) => bytes / 2 ** 20;
const rssBefore = process.memoryUsage().rss;
const liveBefore = memory().numBytes;
if (values.what === 'train') {
  const loss = F.nllLoss(net.forward(input), target);
  optimizer.zeroGrad();
  loss.backward();
  await optimizer.step();
  await loss.item();
} else {
  const output = noGrad(() => net.forward(input));
  await output.data.data();
}
const peakRssMB = mb(process.resourceUsage().maxRSS * 1024 - rssBefore);
const livePeak = memory().peakBytes;
console.log(
  JSON.stringify({
    backend: backend.name,
    what: values.what,
    batchSize,
    peakRssAboveBaselineMB: peakRssMB,
    peakLiveTensorMBAboveBaseline: livePeak === undefined ? undefined : mb(livePeak - liveBefore),
  }),
);
process.exit(0);
