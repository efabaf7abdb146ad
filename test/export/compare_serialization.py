#!/usr/bin/python3
"""Builds the same small programs with coremltools' MIL builder and with anec,
and compares the two serializations op by op.

Usage: compare_serialization.py BIN_DIR WORKDIR   (anec's tools are in BIN_DIR)
Needs coremltools' site folder on PYTHONPATH. For each case, coremltools
writes its package (ct.convert of a pymil program, skip_model_load) and
anec-translate writes the same program from MLIR (--mil-to-mlpackage). Both
Model protos are read back and compared in a canonical form that ignores
value names (each side names values its own way):
  - the model: specificationVersion, function names and opsets, the
    description's inputs/outputs/states per function, defaultFunctionName;
  - each function's ops in order, consts resolved into the parameters that
    use them: op type, parameter names, how each is bound (a named value or
    an inline value), the bound value's dtype and shape, and for constants
    the field that holds them (blob file or which immediate field) and
    their values (blob data compared byte for byte);
  - each op's output dtypes and shapes.
Differences listed in DELIBERATE are reported as such. Then anec reads
coremltools' package the other way round: it imports (states written as
write_state + read_state, constexpr inputs as inline values), computes what
anec's own program computes (anec-run, fp16, bit for bit) and compiles with
`anec compile`. Prints one line per case and closes with 'N passed, M
failed'.
"""
import hashlib
import logging
import os
import subprocess
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pylib"))
from mlir_text import dense_literal  # noqa: E402
import numpy as np  # noqa: E402
import coremltools as ct  # noqa: E402
from coremltools.converters.mil.mil import Builder as mb  # noqa: E402
from coremltools.converters.mil.mil import types  # noqa: E402
from coremltools.proto import MIL_pb2  # noqa: E402

bin_dir, work = sys.argv[1], sys.argv[2]
anec_translate = os.path.join(bin_dir, "anec-translate")
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(11)

# Differences anec keeps on purpose, by (case or "*", what), with the reason.
DELIBERATE = {}

DTYPE = {v: k for k, v in MIL_pb2.DataType.items()}


def f16(shape, scale=0.5):
    return (scale * rng.standard_normal(shape)).astype(np.float16)


literal = dense_literal


def resource(name, a):
    return f"      {name}: \"0x{(np.uint32(a.dtype.itemsize).tobytes() + a.tobytes()).hex().upper()}\""


class Blob:
    """Reads MILBlob records (storage header, then 64-byte metadata)."""

    def __init__(self, path):
        self.data = open(path, "rb").read() if os.path.exists(path) else b""

    def record(self, offset):
        meta = self.data[offset:offset + 64]
        size = int.from_bytes(meta[8:16], "little")
        start = int.from_bytes(meta[16:24], "little")
        return self.data[start:start + size]


def value_type(t):
    which = t.WhichOneof("type")
    if which == "tensorType":
        tt = t.tensorType
        return (DTYPE[tt.dataType], tuple(d.constant.size for d in tt.dimensions))
    if which == "stateType":
        tt = t.stateType.wrappedType.tensorType
        return ("state", DTYPE[tt.dataType], tuple(d.constant.size for d in tt.dimensions))
    return (which,)


def value(v, blob):
    """(storage, dtype/shape, content digest) of a Value."""
    vt = value_type(v.type)
    if v.WhichOneof("value") == "blobFileValue":
        data = blob.record(v.blobFileValue.offset)
        return ("blob", vt, hashlib.sha1(data).hexdigest()[:12])
    t = v.immediateValue.tensor
    field = t.WhichOneof("value")
    content = getattr(t, field).values
    if field == "bytes":
        content = bytes(content).hex()
    else:
        content = tuple(content)
    return ("immediate:" + field, vt, content)


def canonical(package):
    """The model's canonical form: (model facts, {function: [op forms]})."""
    spec_path = os.path.join(package, "Data", "com.apple.CoreML", "model.mlmodel")
    from coremltools.proto import Model_pb2
    m = Model_pb2.Model()
    m.ParseFromString(open(spec_path, "rb").read())
    blob = Blob(os.path.join(package, "Data", "com.apple.CoreML", "weights", "weight.bin"))
    desc = m.description

    def features(d):
        return {"inputs": [(f.name, str(f.type).replace("\n", " ")) for f in d.input],
                "outputs": [(f.name,) for f in d.output],
                "states": [(f.name, str(f.type).replace("\n", " ")) for f in d.state]}
    facts = {"specificationVersion": m.specificationVersion,
             "defaultFunctionName": desc.defaultFunctionName,
             "description": features(desc),
             "functions": {f.name: features(f) for f in desc.functions}}
    functions = {}
    for fname, fn in m.mlProgram.functions.items():
        facts.setdefault("opsets", {})[fname] = fn.opset
        facts.setdefault("function inputs", {})[fname] = [
            value_type(i.type) for i in fn.inputs]
        block = fn.block_specializations[fn.opset]
        consts, types_of, ops = {}, {}, []
        for i in fn.inputs:
            types_of[i.name] = value_type(i.type)
        for op in block.operations:
            for o in op.outputs:
                types_of[o.name] = value_type(o.type)
            if op.type == "const":
                consts[op.outputs[0].name] = value(op.attributes["val"], blob)
                continue
            params = {}
            for p, arg in op.inputs.items():
                bound = []
                for b in arg.arguments:
                    if b.WhichOneof("binding") == "name":
                        if b.name in consts:
                            bound.append(("const op",) + consts[b.name])
                        else:
                            bound.append(("value", types_of.get(b.name)))
                    else:
                        bound.append(("inline",) + value(b.value, blob))
                params[p] = tuple(bound)
            for p, v in op.attributes.items():
                if p != "name":
                    params[p] = (("attribute",) + value(v, blob),)
            ops.append((op.type, params, tuple(value_type(o.type) for o in op.outputs)))
        outputs = [types_of.get(o) for o in block.outputs]
        functions[fname] = (ops, outputs)
    return facts, functions


def diff(case, ours, theirs):
    problems = []
    (facts_a, fns_a), (facts_c, fns_c) = ours, theirs
    for k in sorted(set(facts_a) | set(facts_c)):
        if facts_a.get(k) != facts_c.get(k):
            problems.append(f"{k}: anec {facts_a.get(k)!r} / coremltools {facts_c.get(k)!r}")
    for fname in sorted(set(fns_a) | set(fns_c)):
        if fname not in fns_a or fname not in fns_c:
            continue
        (ops_a, out_a), (ops_c, out_c) = fns_a[fname], fns_c[fname]
        if [o[0] for o in ops_a] != [o[0] for o in ops_c]:
            problems.append(f"{fname}: ops anec {[o[0] for o in ops_a]} / coremltools "
                            f"{[o[0] for o in ops_c]}")
            continue
        for k, (a, c) in enumerate(zip(ops_a, ops_c)):
            for p in sorted(set(a[1]) | set(c[1])):
                if a[1].get(p) != c[1].get(p):
                    problems.append(f"{fname} op {k} ({a[0]}) parameter '{p}': anec "
                                    f"{a[1].get(p)} / coremltools {c[1].get(p)}")
            if a[2] != c[2]:
                problems.append(f"{fname} op {k} ({a[0]}) outputs: anec {a[2]} / coremltools {c[2]}")
        if out_a != out_c:
            problems.append(f"{fname}: outputs anec {out_a} / coremltools {out_c}")
    return problems


cases = []


def case(name, target, build, mlir, inputs=None, serialize=True):
    """inputs: the arrays to call `main` with, where random ones will not do;
    serialize: False for forms only coremltools writes (anec reads them)."""
    cases.append((name, target, build, mlir, inputs, serialize))


# 1. The layer ops of a transformer block, fp16, iOS18.
x1, w1, g1, t1 = f16((1, 8, 64, 1)), f16((32, 64, 1, 1)), f16((64,)), f16((100, 32))


def build_block():
    @mb.program(input_specs=[mb.TensorSpec((1, 64, 1, 8), dtype=types.fp16),
                             mb.TensorSpec((1, 8), dtype=types.int32)],
                opset_version=ct.target.iOS18)
    def prog(x, ids):
        n = mb.layer_norm(x=x, axes=[1], gamma=g1, epsilon=np.float16(1e-5), name="n")
        c = mb.conv(x=n, weight=w1, name="c")
        s = mb.softmax(x=c, axis=1, name="s")
        e = mb.gather(x=t1, indices=ids, axis=0, batch_dims=0, name="e")
        r = mb.reshape(x=e, shape=[1, 8, 32], name="r")
        t = mb.transpose(x=r, perm=[0, 2, 1], name="t")
        m = mb.matmul(x=t, y=r, transpose_x=False, transpose_y=False, name="m")
        return s, m
    return prog


case("block ops (iOS18)", ct.target.iOS18, build_block, f"""
func.func @main(%x: tensor<1x64x1x8xf16> {{mil.name = "x"}}, %ids: tensor<1x8xi32> {{mil.name = "ids"}}) -> (tensor<1x32x1x8xf16> {{mil.name = "s"}}, tensor<1x32x32xf16> {{mil.name = "m"}}) {{
  %g = mil.const {literal(g1)} : tensor<64xf16>
  %n = mil.layer_norm(x = %x, gamma = %g) {{axes = array<i64: 1>, epsilon = 1.0e-5 : f32}} : (tensor<1x64x1x8xf16>, tensor<64xf16>) -> tensor<1x64x1x8xf16>
  %w = mil.const dense_resource<w1> : tensor<32x64x1x1xf16>
  %c = mil.conv(x = %n, weight = %w) : (tensor<1x64x1x8xf16>, tensor<32x64x1x1xf16>) -> tensor<1x32x1x8xf16>
  %s = mil.softmax(x = %c) {{axis = 1}} : (tensor<1x32x1x8xf16>) -> tensor<1x32x1x8xf16>
  %t1 = mil.const dense_resource<t1> : tensor<100x32xf16>
  %e = mil.gather(x = %t1, indices = %ids) {{axis = 0, batch_dims = 0}} : (tensor<100x32xf16>, tensor<1x8xi32>) -> tensor<1x8x32xf16>
  %r = mil.reshape(x = %e) {{shape = array<i64: 1, 8, 32>}} : (tensor<1x8x32xf16>) -> tensor<1x8x32xf16>
  %t = mil.transpose(x = %r) {{perm = array<i64: 0, 2, 1>}} : (tensor<1x8x32xf16>) -> tensor<1x32x8xf16>
  %m = mil.matmul(x = %t, y = %r) : (tensor<1x32x8xf16>, tensor<1x8x32xf16>) -> tensor<1x32x32xf16>
  return %s, %m : tensor<1x32x1x8xf16>, tensor<1x32x32xf16>
}}
{{-#
  dialect_resources: {{
    builtin: {{
{resource("w1", w1)},
{resource("t1", t1)}
    }}
  }}
#-}}
""")

# 2. A KV-cache write into a state, iOS18.
wk = f16((8, 8))


def build_state():
    @mb.program(input_specs=[mb.TensorSpec((1, 2, 8), dtype=types.fp16),
                             mb.TensorSpec((3,), dtype=types.int32),
                             mb.TensorSpec((3,), dtype=types.int32),
                             mb.StateTensorSpec((1, 16, 8), dtype=types.fp16)],
                opset_version=ct.target.iOS18)
    def prog(x, begin, end, cache):
        k = mb.linear(x=x, weight=wk, name="k")
        c = mb.read_state(input=cache, name="c")
        u = mb.slice_update(x=c, update=k, begin=begin, end=end, name="u")
        w = mb.coreml_update_state(state=cache, value=u, name="w")
        return mb.reduce_sum(x=w, axes=[1], keep_dims=False, name="o")
    return prog


KV_INPUTS = [f16((1, 2, 8)), np.array([0, 3, 0], np.int32), np.array([1, 5, 8], np.int32)]
case("KV-cache state (iOS18)", ct.target.iOS18, build_state, inputs=KV_INPUTS, mlir=f"""
func.func @main(%x: tensor<1x2x8xf16> {{mil.name = "x"}}, %begin: tensor<3xi32> {{mil.name = "begin"}}, %end: tensor<3xi32> {{mil.name = "end"}}, %cache: !mil.state<tensor<1x16x8xf16>> {{mil.state_name = "cache"}}) -> (tensor<1x8xf16> {{mil.name = "o"}}) {{
  %wk = mil.const {literal(wk)} : tensor<8x8xf16>
  %k = mil.linear(x = %x, weight = %wk) : (tensor<1x2x8xf16>, tensor<8x8xf16>) -> tensor<1x2x8xf16>
  %c = mil.read_state(input = %cache) : !mil.state<tensor<1x16x8xf16>>
  %u = mil.slice_update(x = %c, update = %k, begin = %begin, end = %end) : (tensor<1x16x8xf16>, tensor<1x2x8xf16>, tensor<3xi32>, tensor<3xi32>) -> tensor<1x16x8xf16>
  %w = mil.coreml_update_state(state = %cache, value = %u) : !mil.state<tensor<1x16x8xf16>>
  %o = mil.reduce_sum(x = %w) {{axes = array<i64: 1>, keep_dims = false}} : (tensor<1x16x8xf16>) -> tensor<1x8xf16>
  return %o : tensor<1x8xf16>
}}
""")

# 3. Compressed weights in an iOS18 program: a grouped 4-bit LUT, int8
# blockwise scales, and the iOS16 affine form that iOS18 still has.
idx4 = rng.integers(0, 16, (32, 16)).astype(np.uint8)
lut4 = f16((2, 1, 16, 1))
q8 = rng.integers(-127, 128, (32, 16)).astype(np.int8)
bs = f16((32, 2), 0.01)


def build_ios18_compression():
    @mb.program(input_specs=[mb.TensorSpec((1, 16), dtype=types.fp16)],
                opset_version=ct.target.iOS18)
    def prog(x):
        lw = mb.constexpr_lut_to_dense(indices=idx4.astype(types.np_uint4_dtype), lut=lut4,
                                       name="lw")
        bw = mb.constexpr_blockwise_shift_scale(data=q8, scale=bs, name="bw")
        a = mb.linear(x=x, weight=lw, name="a")
        b = mb.linear(x=x, weight=bw, name="b")
        return mb.add(x=a, y=b, name="o")
    return prog


case("LUT and blockwise weights (iOS18)", ct.target.iOS18, build_ios18_compression, f"""
func.func @main(%x: tensor<1x16xf16> {{mil.name = "x"}}) -> (tensor<1x32xf16> {{mil.name = "o"}}) {{
  %i = mil.const {literal(idx4)} : tensor<32x16xui4>
  %l = mil.const {literal(lut4)} : tensor<2x1x16x1xf16>
  %lw = mil.constexpr_lut_to_dense(indices = %i, lut = %l) : (tensor<32x16xui4>, tensor<2x1x16x1xf16>) -> tensor<32x16xf16>
  %d = mil.const {literal(q8)} : tensor<32x16xi8>
  %s = mil.const {literal(bs)} : tensor<32x2xf16>
  %bw = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s) : (tensor<32x16xi8>, tensor<32x2xf16>) -> tensor<32x16xf16>
  %a = mil.linear(x = %x, weight = %lw) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  %b = mil.linear(x = %x, weight = %bw) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  %o = mil.add(x = %a, y = %b) : (tensor<1x32xf16>, tensor<1x32xf16>) -> tensor<1x32xf16>
  return %o : tensor<1x32xf16>
}}
""")

# 4. The iOS16 forms: per-channel affine int8 and a packed 2-bit LUT.
qa = rng.integers(-127, 128, (32, 16)).astype(np.int8)
za = np.zeros(32, np.int8)
sa = f16((32,), 0.01)
idx2 = rng.integers(0, 4, 32 * 16)
packed2 = np.zeros(32 * 16 * 2 // 8, np.uint8)
for k, v in enumerate(idx2):
    packed2[(2 * k) // 8] |= v << ((2 * k) % 8)
lut2 = f16((4,))


def build_ios16_compression():
    @mb.program(input_specs=[mb.TensorSpec((1, 16), dtype=types.fp16)],
                opset_version=ct.target.iOS16)
    def prog(x):
        aw = mb.constexpr_affine_dequantize(quantized_data=qa, zero_point=za, scale=sa, axis=0,
                                            name="aw")
        lw = mb.constexpr_lut_to_dense(indices=packed2, lut=lut2,
                                       shape=np.array([32, 16], np.uint32), name="lw")
        a = mb.linear(x=x, weight=aw, name="a")
        b = mb.linear(x=x, weight=lw, name="b")
        return mb.add(x=a, y=b, name="o")
    return prog


case("affine and LUT weights (iOS16)", ct.target.iOS16, build_ios16_compression, f"""
module attributes {{mil.opset = "ios16"}} {{
func.func @main(%x: tensor<1x16xf16> {{mil.name = "x"}}) -> (tensor<1x32xf16> {{mil.name = "o"}}) {{
  %q = mil.const {literal(qa)} : tensor<32x16xi8>
  %z = mil.const {literal(za)} : tensor<32xi8>
  %s = mil.const {literal(sa)} : tensor<32xf16>
  %aw = mil.constexpr_affine_dequantize(quantized_data = %q, zero_point = %z, scale = %s) {{axis = 0}} : (tensor<32x16xi8>, tensor<32xi8>, tensor<32xf16>) -> tensor<32x16xf16>
  %i = mil.const {literal(packed2)} : tensor<128xui8>
  %l = mil.const {literal(lut2)} : tensor<4xf16>
  %lw = mil.constexpr_lut_to_dense(indices = %i, lut = %l) {{shape = array<i64: 32, 16>}} : (tensor<128xui8>, tensor<4xf16>) -> tensor<32x16xf16>
  %a = mil.linear(x = %x, weight = %aw) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  %b = mil.linear(x = %x, weight = %lw) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  %o = mil.add(x = %a, y = %b) : (tensor<1x32xf16>, tensor<1x32xf16>) -> tensor<1x32xf16>
  return %o : tensor<1x32xf16>
}}
}}
""")


# 5. Two functions sharing a weight and a state (prefill and decode), the
# multifunction form coremltools' save_multifunction writes.
wm = f16((8, 8))


def build_multifunction():
    def one(tokens):
        @mb.program(input_specs=[mb.TensorSpec((1, tokens, 8), dtype=types.fp16),
                                 mb.StateTensorSpec((1, 4, 8), dtype=types.fp16)],
                    opset_version=ct.target.iOS18)
        def prog(x, cache):
            y = mb.linear(x=x, weight=wm, name="y")
            c = mb.read_state(input=cache, name="c")
            return mb.reduce_sum(x=c, axes=[1], keep_dims=False, name="o"), y
        return prog
    return [("prefill", one(2)), ("decode", one(1))]


def multifunction_mlir():
    fns = []
    for name, tokens in (("prefill", 2), ("decode", 1)):
        fns.append(f"""
func.func @{name}(%x: tensor<1x{tokens}x8xf16> {{mil.name = "x"}}, %cache: !mil.state<tensor<1x4x8xf16>> {{mil.state_name = "cache"}}) -> (tensor<1x8xf16> {{mil.name = "o"}}, tensor<1x{tokens}x8xf16> {{mil.name = "y"}}) {{
  %w = mil.const dense_resource<wm> : tensor<8x8xf16>
  %y = mil.linear(x = %x, weight = %w) : (tensor<1x{tokens}x8xf16>, tensor<8x8xf16>) -> tensor<1x{tokens}x8xf16>
  %c = mil.read_state(input = %cache) : !mil.state<tensor<1x4x8xf16>>
  %o = mil.reduce_sum(x = %c) {{axes = array<i64: 1>, keep_dims = false}} : (tensor<1x4x8xf16>) -> tensor<1x8xf16>
  return %o, %y : tensor<1x8xf16>, tensor<1x{tokens}x8xf16>
}}""")
    return "".join(fns) + f"""
{{-#
  dialect_resources: {{
    builtin: {{
{resource("wm", wm)}
    }}
  }}
#-}}
"""


case("prefill + decode, one state (iOS18 multifunction)", ct.target.iOS18, build_multifunction,
     multifunction_mlir())

# 6. iOS17: activation quantization and an int8 cast.
sq = np.array([0.05, 0.1], np.float16)


def build_ios17():
    @mb.program(input_specs=[mb.TensorSpec((2, 4), dtype=types.fp16)],
                opset_version=ct.target.iOS17)
    def prog(x):
        q = mb.quantize(input=x, scale=sq, axis=0, output_dtype="int8", name="q")
        d = mb.dequantize(input=q, scale=sq, axis=0, name="d")
        c = mb.cast(x=d, dtype="int8", name="c")
        # int8 is no model output before iOS26 (coremltools would add a cast).
        return d, mb.cast(x=c, dtype="fp16", name="h")
    return prog


case("activation quantization (iOS17)", ct.target.iOS17, build_ios17, f"""
module attributes {{mil.opset = "ios17"}} {{
func.func @main(%x: tensor<2x4xf16> {{mil.name = "x"}}) -> (tensor<2x4xf16> {{mil.name = "d"}}, tensor<2x4xf16> {{mil.name = "h"}}) {{
  %s = mil.const {literal(sq)} : tensor<2xf16>
  %q = mil.quantize(input = %x, scale = %s) {{axis = 0, output_dtype = "int8"}} : (tensor<2x4xf16>, tensor<2xf16>) -> tensor<2x4xi8>
  %d = mil.dequantize(input = %q, scale = %s) {{axis = 0}} : (tensor<2x4xi8>, tensor<2xf16>) -> tensor<2x4xf16>
  %c = mil.cast(x = %d) {{dtype = "int8"}} : (tensor<2x4xf16>) -> tensor<2x4xi8>
  %h = mil.cast(x = %c) {{dtype = "fp16"}} : (tensor<2x4xi8>) -> tensor<2x4xf16>
  return %d, %h : tensor<2x4xf16>, tensor<2x4xf16>
}}
}}
""")


# 7. The other forms anec writes: a vector LUT (two values an index along
# axis 0), uint4 data with uint4 offsets, and an fp16 weight widened to fp32.
vidx = rng.integers(0, 4, (16, 16)).astype(np.uint8)
vlut = f16((1, 1, 4, 2))
d4 = rng.integers(0, 16, (32, 16)).astype(np.uint8)
s4 = f16((32, 1), 0.05)
o4 = rng.integers(0, 16, (32, 1)).astype(np.uint8)
h32 = f16((32, 16))


def build_more_forms():
    @mb.program(input_specs=[mb.TensorSpec((1, 16), dtype=types.fp16),
                             mb.TensorSpec((1, 16), dtype=types.fp32)],
                opset_version=ct.target.iOS18)
    def prog(x, y):
        vw = mb.constexpr_lut_to_dense(indices=vidx.astype(types.np_uint2_dtype), lut=vlut,
                                       vector_axis=0, name="vw")
        bw = mb.constexpr_blockwise_shift_scale(data=d4.astype(types.np_uint4_dtype), scale=s4,
                                                offset=o4.astype(types.np_uint4_dtype), name="bw")
        cw = mb.constexpr_cast(source_val=h32, output_dtype="fp32", name="cw")
        a = mb.linear(x=x, weight=vw, name="a")
        b = mb.linear(x=x, weight=bw, name="b")
        c = mb.linear(x=y, weight=cw, name="c")
        return mb.add(x=a, y=b, name="o"), c
    return prog


case("vector LUT, uint4 offsets, widened weight (iOS18)", ct.target.iOS18, build_more_forms, f"""
func.func @main(%x: tensor<1x16xf16> {{mil.name = "x"}}, %y: tensor<1x16xf32> {{mil.name = "y"}}) -> (tensor<1x32xf16> {{mil.name = "o"}}, tensor<1x32xf32> {{mil.name = "c"}}) {{
  %vi = mil.const {literal(vidx)} : tensor<16x16xui2>
  %vl = mil.const {literal(vlut)} : tensor<1x1x4x2xf16>
  %vw = mil.constexpr_lut_to_dense(indices = %vi, lut = %vl) {{vector_axis = 0}} : (tensor<16x16xui2>, tensor<1x1x4x2xf16>) -> tensor<32x16xf16>
  %d = mil.const {literal(d4)} : tensor<32x16xui4>
  %s = mil.const {literal(s4)} : tensor<32x1xf16>
  %o4 = mil.const {literal(o4)} : tensor<32x1xui4>
  %bw = mil.constexpr_blockwise_shift_scale(data = %d, scale = %s, offset = %o4) : (tensor<32x16xui4>, tensor<32x1xf16>, tensor<32x1xui4>) -> tensor<32x16xf16>
  %h = mil.const {literal(h32)} : tensor<32x16xf16>
  %cw = mil.constexpr_cast(source_val = %h) {{output_dtype = "fp32"}} : (tensor<32x16xf16>) -> tensor<32x16xf32>
  %a = mil.linear(x = %x, weight = %vw) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  %b = mil.linear(x = %x, weight = %bw) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  %c = mil.linear(x = %y, weight = %cw) : (tensor<1x16xf32>, tensor<32x16xf32>) -> tensor<1x32xf32>
  %o = mil.add(x = %a, y = %b) : (tensor<1x32xf16>, tensor<1x32xf16>) -> tensor<1x32xf16>
  return %o, %c : tensor<1x32xf16>, tensor<1x32xf32>
}}
""")

# 8-10. Pruned weights, which anec reads (decoded to dense weights) but does
# not write: iOS16's bit-mask form, and iOS18's with palettized or
# quantized nonzero values.
dense_w = f16((32, 16))
prune = rng.random((32, 16)) < 0.5
pruned = np.where(prune, dense_w, 0).astype(np.float16)


def linear_on(weight_name, weight_type):
    return f"""func.func @main(%x: tensor<1x16xf16> {{mil.name = "x"}}) -> (tensor<1x32xf16> {{mil.name = "o"}}) {{
  %w = mil.const dense_resource<{weight_name}> : {weight_type}
  %o = mil.linear(x = %x, weight = %w) : (tensor<1x16xf16>, tensor<32x16xf16>) -> tensor<1x32xf16>
  return %o : tensor<1x32xf16>
}}"""


def with_resource(body, name, a, opset=None):
    text = body if opset is None else f'module attributes {{mil.opset = "{opset}"}} {{\n{body}\n}}'
    return text + f"""
{{-#
  dialect_resources: {{
    builtin: {{
{resource(name, a)}
    }}
  }}
#-}}
"""


def build_sparse_ios16():
    @mb.program(input_specs=[mb.TensorSpec((1, 16), dtype=types.fp16)],
                opset_version=ct.target.iOS16)
    def prog(x):
        w = mb.constexpr_sparse_to_dense(
            nonzero_data=pruned[prune], mask=np.packbits(prune.flatten(), bitorder="little"),
            shape=np.array([32, 16], np.uint32), name="w")
        return mb.linear(x=x, weight=w, name="o")
    return prog


case("pruned weights (iOS16, read)", ct.target.iOS16, build_sparse_ios16,
     with_resource(linear_on("pw", "tensor<32x16xf16>"), "pw", pruned, "ios16"), serialize=False)

lut_idx = rng.integers(0, 4, (32, 16)).astype(np.uint8)
lut_s = f16((1, 1, 4, 1))
lut_dense = np.where(prune, lut_s[0, 0, lut_idx, 0], 0).astype(np.float16)


def build_sparse_lut():
    @mb.program(input_specs=[mb.TensorSpec((1, 16), dtype=types.fp16)],
                opset_version=ct.target.iOS18)
    def prog(x):
        mask, nz = mb.constexpr_lut_to_sparse(
            indices_mask=prune.astype(types.np_uint1_dtype),
            indices_nonzero_data=lut_idx[prune].astype(types.np_uint2_dtype), lut=lut_s,
            name="s")
        w = mb.constexpr_sparse_to_dense(nonzero_data=nz, mask=mask, name="w")
        return mb.linear(x=x, weight=w, name="o")
    return prog


case("pruned and palettized weights (iOS18, read)", ct.target.iOS18, build_sparse_lut,
     with_resource(linear_on("lw", "tensor<32x16xf16>"), "lw", lut_dense), serialize=False)

q_data = rng.integers(-127, 128, (32, 16)).astype(np.int8)
q_scale = f16((32, 1), 0.01)
q_dense = np.where(prune, q_scale.astype(np.float32) * q_data, 0).astype(np.float16)


def build_sparse_quant():
    @mb.program(input_specs=[mb.TensorSpec((1, 16), dtype=types.fp16)],
                opset_version=ct.target.iOS18)
    def prog(x):
        mask, nz = mb.constexpr_sparse_blockwise_shift_scale(
            data_mask=prune.astype(types.np_uint1_dtype), nonzero_data=q_data[prune],
            scale=q_scale, name="s")
        w = mb.constexpr_sparse_to_dense(nonzero_data=nz, mask=mask, name="w")
        return mb.linear(x=x, weight=w, name="o")
    return prog


case("pruned and quantized weights (iOS18, read)", ct.target.iOS18, build_sparse_quant,
     with_resource(linear_on("qw", "tensor<32x16xf16>"), "qw", q_dense), serialize=False)


def read_back(d, src, theirs, os_name, functions, inputs):
    """anec imports coremltools' package, runs it against its own program and
    compiles it; the problems found."""
    def run(args):
        p = subprocess.run(args, capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr
    rc, out = run([anec_translate, "--import-mlpackage", theirs, "-o", os.path.join(d, "ct.mlir")])
    if rc:
        return [f"anec cannot import coremltools' package: {out.strip()}"]
    calls = [f"--call={f}" for f in functions] if len(functions) > 1 else []
    if inputs:
        files = []
        for k, a in enumerate(inputs):
            files.append(os.path.join(d, f"in{k}.npy"))
            np.save(files[-1], a)
        calls = [f"--call=main:{','.join(files)}"]
    rc, out = run([os.path.join(bin_dir, "anec-run"), src, f"--compare={theirs}", "--mode=fp16",
                   "--max-rel=0", "--int-max=4"] + calls)
    if rc:
        return [f"coremltools' package computes otherwise: {out.strip()}"]
    rc, out = run([os.path.join(bin_dir, "anec"), "compile", theirs, "-o",
                   os.path.join(d, "compiled.mlpackage"), f"--os={os_name}", "--quiet"])
    if rc:
        return [f"anec compile of coremltools' package failed: {out.strip()}"]
    return []


def run_case(name, target, build, mlir, inputs, serialize):
    slug = "".join(c if c.isalnum() else "_" for c in name)
    d = os.path.join(work, slug)
    os.makedirs(d, exist_ok=True)
    built = build()
    theirs = os.path.join(d, "coremltools.mlpackage")

    def convert(prog):
        # coremltools' graph passes off: its serialization of this program.
        return ct.convert(prog, convert_to="mlprogram", minimum_deployment_target=target,
                          skip_model_load=True, compute_precision=ct.precision.FLOAT32,
                          pass_pipeline=ct.PassPipeline.EMPTY)
    if isinstance(built, list):
        # Several functions: each saved alone, then joined as coremltools
        # joins them (the first is the default).
        desc = ct.utils.MultiFunctionDescriptor()
        for fname, prog in built:
            path = os.path.join(d, f"{fname}.mlpackage")
            convert(prog).save(path)
            desc.add_function(path, src_function_name="main", target_function_name=fname)
        desc.default_function_name = built[0][0]
        ct.utils.save_multifunction(desc, theirs)
    else:
        convert(built).save(theirs)
    src = os.path.join(d, "anec.mlir")
    open(src, "w").write(mlir)
    ours = os.path.join(d, "anec.mlpackage")
    os_name = {ct.target.iOS16: "ios16", ct.target.iOS17: "ios17", ct.target.iOS18: "ios18"}[target]
    p = subprocess.run([anec_translate, "--mil-to-mlpackage", src, f"--os={os_name}", "-o", ours],
                       capture_output=True, text=True)
    if p.returncode:
        return [f"anec-translate failed: {p.stderr.strip()}"], []
    problems = diff(name, canonical(ours), canonical(theirs)) if serialize else []
    problems += read_back(d, src, theirs, os_name,
                          [f for f, _ in built] if isinstance(built, list) else ["main"], inputs)
    deliberate = [(pr, why) for pr in problems for (c, what), why in DELIBERATE.items()
                  if (c in ("*", name)) and what in pr]
    left = [pr for pr in problems if pr not in {d for d, _ in deliberate}]
    return left, deliberate


passed = failed = 0
for name, target, build, mlir, inputs, serialize in cases:
    left, deliberate = run_case(name, target, build, mlir, inputs, serialize)
    for pr, why in deliberate:
        print(f"  deliberate ({why}): {pr}")
    if left:
        failed += 1
        print(f"FAIL {name}")
        for pr in left:
            print(f"  {pr}")
    else:
        passed += 1
        print(f"{'same' if serialize else 'read'} {name}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
