// ONNX import: `importOnnx(path | bytes, opts)` -> Graph with static shapes.
export { importOnnx, decodeModel, MIN_OPSET, MAX_OPSET, type ImportOptions } from './import.js';
export { supportedOnnxOps, converters, onnxImportTable } from './converters.js';
export { decodeTensorProto, tensorToProto, dtypeFromOnnx, TO_ONNX } from './tensors.js';
export { onnxRoot, ModelProto, TensorProtoType } from './schema.js';
export { exportOnnx, toOnnxModel, EXPORT_MIN_OPSET, type ExportOptions } from './export.js';
