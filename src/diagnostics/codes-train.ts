// Diagnostics of quantization-aware training (src/train, `qforge qat`): QF31xx.
export const TRAIN_CODES = {
  TRAIN_LABELS: { code: 'QF3101', title: 'labels do not fit the training data', location: 'file' },
  TRAIN_NONFINITE: { code: 'QF3102', title: 'training produced a non-finite value', location: 'node' },
  TRAIN_UNSUPPORTED: { code: 'QF3103', title: 'no gradient for this op', location: 'node' },
  TRAIN_NO_PARAMS: { code: 'QF3104', title: 'no trainable path from the loss to a parameter', location: 'none' },
  TRAIN_OPTIONS: { code: 'QF3105', title: 'bad training options', location: 'none' },
} as const;
