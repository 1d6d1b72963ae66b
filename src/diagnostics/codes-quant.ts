// Diagnostics of the quantization flow: quantizer specs and annotations, calibration, convert.
export const QUANT_CODES = {
  QUANT_SPEC: { code: 'QF3001', title: 'invalid quantization spec', location: 'node' },
  QUANT_ANNOTATION: { code: 'QF3002', title: 'invalid quantization annotation', location: 'node' },
  QUANT_NONFINITE: { code: 'QF3003', title: 'non-finite calibration data', location: 'node' },
  QUANT_CALIB_DATA: { code: 'QF3004', title: 'bad calibration data', location: 'file' },
  QUANT_CONFIG: { code: 'QF3005', title: 'bad quantizer config', location: 'file' },
  QUANT_UNSUPPORTED: { code: 'QF3006', title: 'cannot quantize this graph', location: 'node' },
  QUANT_UNCALIBRATED: { code: 'QF3007', title: 'observer has no qparams (not calibrated)', location: 'node' },
  QUANT_SHARING: { code: 'QF3008', title: 'shared quantization specs cannot be resolved', location: 'node' },
  // Dynamic and weight-only modes (QF302x).
  QUANT_WEIGHT_SKIPPED: { code: 'QF3020', title: 'a weight stays float (weight-only / dynamic)', location: 'node' },
  QUANT_NO_LINEAR: { code: 'QF3021', title: 'no linear layer with a constant weight to quantize', location: 'none' },
} as const;
