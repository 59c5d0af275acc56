// Builds a one-node ONNX BatchNormalization model as protobuf bytes, in memory.
// A hand-written encoder (varints + length-delimited fields) for the few messages
// needed (ModelProto, GraphProto, NodeProto, AttributeProto, ValueInfoProto,
// TensorProto), so that the bench needs no .onnx file and no protobuf dependency.
// Field numbers are those of onnx/onnx.proto.

const textEncoder = new TextEncoder();

// Wire types: 0 varint, 2 length-delimited, 5 fixed32.
function varint(value) {
  const out = [];
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n; // negative int64 is encoded as 10-byte two's complement
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

const key = (field, wire) => varint((field << 3) | wire);

/** A message is an array of byte chunks; these helpers append one field each. */
const int = (field, value) => [...key(field, 0), ...varint(value)];
const bytes = (field, payload) => [...key(field, 2), ...varint(payload.length), ...payload];
const str = (field, s) => bytes(field, [...textEncoder.encode(s)]);
const msg = (field, parts) => bytes(field, parts.flat());

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT
const ATTR_FLOAT = 1;

function floatBytes(x) {
  return [...new Uint8Array(new Float32Array([x]).buffer)];
}

// AttributeProto: name=1, f=2 (fixed32), i=3, type=20.
function attrInt(name, i) {
  return [str(1, name), int(3, i), int(20, ATTR_INT)];
}
function attrFloat(name, f) {
  return [str(1, name), [...key(2, 5), ...floatBytes(f)], int(20, ATTR_FLOAT)];
}

// ValueInfoProto: name=1, type=2 -> TypeProto.tensor_type=1 -> {elem_type=1, shape=2 -> dim=1 -> dim_value=1}.
function valueInfo(name, dims) {
  const shape = dims.map((d) => msg(1, [int(1, d)]));
  return [str(1, name), msg(2, [msg(1, [int(1, FLOAT), msg(2, shape)])])];
}

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9 (little-endian float32). For initializers. */
export function tensorProto(name, dims, data) {
  const raw = new Uint8Array(Float32Array.from(data).buffer);
  return [...dims.map((d) => int(1, d)), int(2, FLOAT), str(8, name), bytes(9, [...raw])];
}

/**
 * One BatchNormalization node, opset 15. All five inputs are graph inputs, fed per run.
 * training: false -> training_mode=0, output Y (uses input_mean/input_var);
 *           true  -> training_mode=1, outputs Y, running_mean, running_var (batch statistics).
 */
export function batchNormModel({ xShape, eps, momentum, training }) {
  const C = xShape[1]; // ONNX: dim 1 is the channel axis
  const outputs = training ? ['Y', 'running_mean', 'running_var'] : ['Y'];
  const node = [
    ...['X', 'scale', 'B', 'input_mean', 'input_var'].map((n) => str(1, n)),
    ...outputs.map((n) => str(2, n)),
    str(3, 'bn'),
    str(4, 'BatchNormalization'),
    msg(5, attrFloat('epsilon', eps)),
    msg(5, attrFloat('momentum', momentum)),
    msg(5, attrInt('training_mode', training ? 1 : 0)),
  ];
  const graph = [
    msg(1, node),
    str(2, 'batchnorm'),
    msg(11, valueInfo('X', xShape)),
    ...['scale', 'B', 'input_mean', 'input_var'].map((n) => msg(11, valueInfo(n, [C]))),
    msg(12, valueInfo('Y', xShape)),
    ...(training ? ['running_mean', 'running_var'].map((n) => msg(12, valueInfo(n, [C]))) : []),
  ];
  const model = [
    int(1, 8), // ir_version 8 goes with opset 15
    str(2, 'batchnorm-wasm-bench'),
    msg(7, graph),
    msg(8, [str(1, ''), int(2, 15)]), // opset_import: default domain, version 15
  ];
  return Uint8Array.from(model.flat());
}
