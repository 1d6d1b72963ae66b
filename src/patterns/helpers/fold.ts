// Weight-layout helpers for folding per-output-channel factors into convolution weights.
// conv2d weights are [Cout, Cin/g, kH, kW]: output channels are axis 0 whatever the group count,
// so `along(s, 0, 4)` suffices there. Transposed convolutions are the trap: the weight is
// [Cin, Cout/g, kH, kW], and output channel o of group g is weight[g·Cin/g + c, j] with
// o = g·(Cout/g) + j, so the factor depends on both axis 0 (through the group) and axis 1.
import { OpError } from '../../ir/ops/index.js';
import { tensor } from '../../ir/tensor.js';
import { defineHelper, type Helper } from './registry.js';

export const FOLD_HELPERS: Helper[] = [
  defineHelper({
    name: 'convt_channel_scale',
    doc: 'per-output-channel factors s [Cout] laid out as [Cin, Cout/g, 1, 1] for a conv_transpose2d weight w with g groups',
    params: [
      { name: 's', type: 'tensor' },
      { name: 'w', type: 'tensor' },
      { name: 'group', type: 'int' },
    ],
    result: 'tensor',
    fn: (s, w, group) => {
      if (w.shape.length < 2) throw new OpError(`convt_channel_scale: weight must be [Cin, Cout/g, …], got [${w.shape.join(',')}]`);
      const [cin, coutG] = w.shape as [number, number];
      if (group < 1 || cin % group !== 0) throw new OpError(`convt_channel_scale: ${cin} input channels do not split into ${group} groups`);
      if (s.shape.length !== 1 || s.shape[0] !== coutG * group)
        throw new OpError(`convt_channel_scale: expected ${coutG * group} factors, got [${s.shape.join(',')}]`);
      const out = tensor(s.dtype, [cin, coutG, ...w.shape.slice(2).map(() => 1)]);
      const o = out.data as Float32Array, sd = s.data as Float32Array;
      const cinG = cin / group;
      for (let c = 0; c < cin; c++) {
        const g = Math.floor(c / cinG);
        for (let j = 0; j < coutG; j++) o[c * coutG + j] = sd[g * coutG + j]!;
      }
      return out;
    },
  }),
];
