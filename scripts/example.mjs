// The README's quick-start example, run by `pnpm train` until the trainer app (apps/trainer) exists.
// It imports the built packages, so run it after `pnpm build` (`pnpm train` does both).
import { tensor, manualSeed, randn } from '@kindling/tensor';
import { Variable } from '@kindling/autograd';

manualSeed(0);
const x = new Variable(randn([3, 4]), { requiresGrad: true });
const w = new Variable(tensor([[1], [2], [3], [4]]), { requiresGrad: true });
const loss = x.matmul(w).relu().sum();
loss.backward();
console.log(loss.data.toString(), w.grad?.toString());
