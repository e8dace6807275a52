export { importOnnx, type ImportOnnxOptions } from './import/import-onnx.js';
export { OnnxModel } from './import/onnx-model.js';
export { SUPPORTED_ONNX_OPS } from './import/op-table.js';
export { OnnxExportError, OnnxImportError, OnnxUnsupportedError } from './errors.js';
export { decodeTensor } from './proto/proto.js';
export { readTensorProto, type HostTensor } from './tensor-proto.js';
export { exportOnnx, saveOnnx, type ExportOnnxOptions } from './export/export-onnx.js';
export type { DynamicAxes } from './export/check-export.js';
