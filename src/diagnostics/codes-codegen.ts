// Diagnostics of the C code generator and its toolchain driver (QF40xx).
export const CODEGEN_CODES = {
  CODEGEN_TARGET: { code: 'QF4001', title: 'unknown code generation target', location: 'none' },
  CODEGEN_FLOAT_GRAPH: { code: 'QF4002', title: 'int8 code requested for a float graph', location: 'none' },
  CODEGEN_UNSUPPORTED: { code: 'QF4003', title: 'ops the code generator cannot compile', location: 'node' },
  CODEGEN_TOOLCHAIN: { code: 'QF4004', title: 'C toolchain missing', location: 'none' },
  CODEGEN_BUILD: { code: 'QF4005', title: 'C compilation failed', location: 'file' },
  CODEGEN_WEIGHT_ZERO: { code: 'QF4006', title: 'weights minus their zero point do not fit int8', location: 'node' },
  CODEGEN_OVERFLOW: { code: 'QF4007', title: 'int32 accumulator could overflow', location: 'node' },
  CODEGEN_RUN: { code: 'QF4008', title: 'running the generated program failed', location: 'file' },
  CODEGEN_NAME: { code: 'QF4009', title: 'invalid model name', location: 'none' },
} as const;
