// Diagnostics of the numeric debugger (float vs quantized comparison) and of ONNX export.
export const DEBUG_CODES = {
  DEBUG_NO_COMMON: { code: 'QF3501', title: 'the two graphs share no debug handles', location: 'none' },
  DEBUG_INPUTS: { code: 'QF3502', title: 'the two graphs take different inputs', location: 'none' },
  EXPORT_UNSUPPORTED: { code: 'QF3511', title: 'cannot export this node to ONNX', location: 'node' },
} as const;
