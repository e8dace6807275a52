import { col2im, im2col, maxPool2dBackward, type Windows2d } from '@kindling/tensor';
import { SAVES_INPUT, SAVES_NOTHING, type GradientTableFor } from './rule.js';

export interface WindowsAttrs {
  /** im2col and col2im are each other's adjoint, so each one's gradient is the other. */
  im2col: { readonly windows: Windows2d };
  col2im: { readonly windows: Windows2d };
  maxPool2d: { readonly windows: Windows2d };
}

export const windowsGradients: GradientTableFor<WindowsAttrs> = {
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
