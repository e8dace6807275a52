import type { ListedBackend } from './backends.js';
import type { MemorySnapshot } from './session.js';

/** The element marked `data-testid="<id>"`, which the page must have. */
export function byTestId<T extends HTMLElement>(id: string): T {
  const element = document.querySelector<T>(`[data-testid="${id}"]`);
  if (!element) throw new Error(`the page has no element with data-testid="${id}"`);
  return element;
}

function element(tag: string, text: string, className?: string): HTMLElement {
  const made = document.createElement(tag);
  made.textContent = text;
  if (className !== undefined) made.className = className;
  return made;
}

/** The backends, one per line: name, state and why, each row marked with `data-backend` and `data-available`. */
export function renderBackends(list: HTMLElement, select: HTMLSelectElement, backends: readonly ListedBackend[]): void {
  list.replaceChildren(
    ...backends.map(({ name, available, note }) => {
      const item = document.createElement('li');
      item.dataset['backend'] = name;
      item.dataset['available'] = String(available);
      item.append(element('strong', name), ' ', element('span', available ? 'available' : 'unavailable', 'state'), ' ', element('span', available ? `(${note})` : `— ${note}`, 'note'));
      return item;
    }),
  );
  select.replaceChildren(
    ...backends.map(({ name, available }) => {
      const option = new Option(available ? name : `${name} (unavailable)`, name);
      option.disabled = !available;
      return option;
    }),
  );
}

/** The ten probabilities, each row marked with `data-digit` and its exact `data-probability`, the likeliest marked. */
export function renderProbabilities(list: HTMLElement, probabilities: Float32Array | undefined): void {
  if (probabilities === undefined) {
    list.replaceChildren();
    return;
  }
  const best = probabilities.indexOf(Math.max(...probabilities));
  list.replaceChildren(
    ...Array.from(probabilities, (probability, digit) => {
      const item = document.createElement('li');
      item.dataset['digit'] = String(digit);
      item.dataset['probability'] = String(probability);
      item.classList.toggle('best', digit === best);
      const bar = element('span', '', 'bar');
      bar.style.width = `${(100 * probability).toFixed(1)}%`;
      item.append(bar, element('span', `${digit}: ${(100 * probability).toFixed(1)}%`, 'value'));
      return item;
    }),
  );
}

export function formatPercent(value: number): string {
  return `${value.toFixed(2)}%`;
}

export function formatMemory(memory: MemorySnapshot): string {
  const tensors = `${memory.numTensors} tensors, ${memory.numStorages} storages`;
  if (memory.deviceBytes === undefined) return tensors;
  return `${tensors}; ${(memory.deviceBytes / 2 ** 20).toFixed(1)} MB in ${memory.buffersCreated ?? 0} GPU buffers`;
}

/** Saves `bytes` as a file called `name` through the browser's download. */
export function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const link = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
