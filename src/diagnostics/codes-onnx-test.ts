// Diagnostics of the ONNX conformance runner (`qforge onnx-test`).
export const ONNX_TEST_CODES = {
  ONNX_TEST_FAILED: { code: 'QF5001', title: 'ONNX conformance tests failed', location: 'none' },
  ONNX_TEST_NONE: { code: 'QF5002', title: 'no ONNX test folders found', location: 'file' },
} as const;
