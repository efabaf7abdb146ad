#!/usr/bin/env python3
"""Prints a package's user-defined metadata as coremltools' protobuf classes
read it, one `key = value` line each, sorted: read_metadata.py X.mlpackage"""
import os
import sys

site = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                    "validators", "coremltools", "site")
sys.path.insert(0, os.path.realpath(site))
from coremltools.proto import Model_pb2  # noqa: E402

model = Model_pb2.Model()
with open(os.path.join(sys.argv[1], "Data", "com.apple.CoreML", "model.mlmodel"), "rb") as f:
    model.ParseFromString(f.read())
for key, value in sorted(model.description.metadata.userDefined.items()):
    print(f"{key} = {value}")
