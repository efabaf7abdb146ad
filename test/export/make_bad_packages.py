#!/usr/bin/env python3
"""Writes one broken copy of a good MIL text folder and .mlpackage per way a
downloaded model can be hostile: make_bad_packages.py GOOD.mil GOOD.mlpackage OUT"""
import os
import re
import shutil
import struct
import sys

good_mil, good_pkg, out = sys.argv[1:4]
mil = open(os.path.join(good_mil, "model.mil")).read()
blob = open(os.path.join(good_mil, "weights", "weight.bin"), "rb").read()


def text(name, model=None, weights=None):
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "weights"), exist_ok=True)
    open(os.path.join(d, "model.mil"), "w").write(mil if model is None else model)
    open(os.path.join(d, "weights", "weight.bin"), "wb").write(blob if weights is None else weights)


def patch(data, offset, fmt, value):
    b = bytearray(data)
    struct.pack_into(fmt, b, offset, value)
    return bytes(b)


text("syntax", mil.replace(" = const()[", " = const()(", 1))
text("unknown-op", re.sub(r"= layer_norm\(", "= rms_layer_norm(", mil, count=1))
text("unknown-dtype", mil.replace("tensor<fp16, [8256, 64]>", "tensor<fp13, [8256, 64]>", 1))
text("undefined-value", mil.replace("x = model_layers_0_input_layernorm_1)", "x = nowhere)", 1))
text("bad-version", mil.replace("program(1.3)", "program(9.9)"))
text("huge-dim", mil.replace("tensor<int32, [1, 8]> input_ids", "tensor<int32, [1, 99999999999999999]> input_ids", 1))
text("truncated-text", mil[: len(mil) // 2])
# A parameter of the wrong kind: the first integer axis given as an fp16.
text("param-kind", re.sub(r"int32 (\w+_axis) = const\(\)\[name = string\(\"(\w+)\"\), val = int32\((-?\d+)\)\]",
                          r'fp16 \1 = const()[name = string("\2"), val = fp16(0x1p+0)]', mil, count=1))
text("offset-past-end", mil.replace("offset = uint64(64)", f"offset = uint64({len(blob) + 64 * 100})", 1))
text("offset-misaligned", mil.replace("offset = uint64(64)", "offset = uint64(65)", 1))
text("bad-sentinel", weights=patch(blob, 64, "<I", 0xCAFEBABE))
text("dtype-mismatch", weights=patch(blob, 68, "<I", 2))
text("size-mismatch", weights=patch(blob, 72, "<Q", 12))
text("blob-version", weights=patch(blob, 4, "<I", 3))
text("blob-count", weights=patch(blob, 0, "<I", 0xFFFFFFFF))
text("blob-truncated", weights=blob[:1920])


def pkg(name, manifest=None, model=None):
    d = os.path.join(out, name)
    shutil.copytree(good_pkg, d)
    if manifest is not None:
        open(os.path.join(d, "Manifest.json"), "w").write(manifest)
    if model is not None:
        open(os.path.join(d, "Data", "com.apple.CoreML", "model.mlmodel"), "wb").write(model)


manifest = open(os.path.join(good_pkg, "Manifest.json")).read()
pkg("manifest-not-json.mlpackage", manifest="{ not json")
pkg("manifest-no-root.mlpackage", manifest=manifest.replace("rootModelIdentifier", "root"))
pkg("manifest-escape.mlpackage", manifest=manifest.replace("com.apple.CoreML/model.mlmodel", "../../../etc/passwd", 1))
pkg("model-garbage.mlpackage", model=b"\xff\xff\xff\xff garbage that is no protobuf")
pkg("model-not-program.mlpackage", model=b"\x08\x09")
pkg("model-old.mlpackage", model=b"\x08\x05")
