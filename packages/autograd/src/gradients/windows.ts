import { col2im, dispose, groupedIm2col, im2col, maxPool2dBackward, type Tensor, type Windows2d } from '@kindling/tensor';
import { SAVES_INPUT, SAVES_INPUTS, SAVES_NOTHING, type GradientTableFor, type TwoInputs } from './rule.js';

export interface WindowsAttrs {
  /** im2col and col2im are each other's adjoint, so each one's gradient is the other. */
  im2col: { readonly windows: Windows2d };
  col2im: { readonly windows: Windows2d };
  maxPool2d: { readonly windows: Windows2d };
  convolveWindows: { readonly windows: Windows2d; readonly groups: number };
}

export interface WindowsInputs {
  convolveWindows: TwoInputs;
}

/**
 * The filters' gradient first, while the rebuilt columns are alive, then the input's through the
 * columns' gradient and col2im: at most one columns-sized tensor at a time.
 */
function convolveWindowsBackward(g: Tensor, x: Tensor, filters: Tensor, attrs: WindowsAttrs['convolveWindows'], needs: readonly boolean[]): (Tensor | null)[] {
  let filtersGrad: Tensor | null = null;
  if (needs[1]) {
    const columns = groupedIm2col(x, attrs.windows, attrs.groups);
    const transposed = columns.transpose(-1, -2);
    const perSample = g.matmul(transposed);
    // Both handles of the columns go now, before the columns' gradient takes their size again.
    dispose([columns, transposed]);
    filtersGrad = perSample.sum(0);
    perSample.dispose();
  }
  if (!needs[0]) return [null, filtersGrad];
  const [n, c, height, width] = x.shape as [number, number, number, number];
  const columnsGrad = filters.transpose(-1, -2).matmul(g);
  const { height: rows, width: cols } = attrs.windows;
  const planes = columnsGrad.reshape([n, c, rows.kernel * cols.kernel, rows.outSize * cols.outSize]);
  const inputGrad = col2im(planes, attrs.windows, height, width);
  dispose([columnsGrad, planes]);
  return [inputGrad, filtersGrad];
}

export const windowsGradients: GradientTableFor<WindowsAttrs, WindowsInputs> = {
  convolveWindows: {
    kernel: 'Im2Col',
    saves: SAVES_INPUTS,
    backward: (g, ctx) => convolveWindowsBackward(g, ctx.inputs[0], ctx.inputs[1], ctx.attrs, ctx.needsInputGrad),
  },
  im2col: {
    kernel: 'Im2Col',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => {
      const [height, width] = ctx.inputs[0].shape.slice(2) as [number, number];
      return [col2im(g, ctx.attrs.windows, height, width)];
    },
  },
  col2im: {
    kernel: 'Col2Im',
    saves: SAVES_NOTHING,
    backward: (g, ctx) => [im2col(g, ctx.attrs.windows)],
  },
  maxPool2d: {
    kernel: 'MaxPool2d',
    saves: SAVES_INPUT,
    backward: (g, ctx) => [maxPool2dBackward(ctx.inputs[0], g, ctx.attrs.windows)],
  },
};
