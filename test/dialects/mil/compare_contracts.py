#!/usr/bin/python3
"""Compares anec's MIL contract table with the op definitions coremltools
registers, opset by opset, parameter by parameter.

Usage: compare_contracts.py CONTRACTS.json   (anec-translate --print-mil-contracts=json)
Needs coremltools' site folder on PYTHONPATH. For every mil op of the table
and every opset from iOS15 to iOS18, the definition coremltools registers for
that opset (or its absence) is checked against anec's: parameter names,
optional, const, type domains (the dtypes allowed) and which parameters share
a type variable, and the strings a string parameter may hold where
coremltools lists them. Prints one line per op and opset and closes with
'N passed, M failed'.
"""
import json
import logging
import sys
import warnings

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)

import coremltools as ct  # noqa: E402
from coremltools.converters.mil.mil import types  # noqa: E402
from coremltools.converters.mil.mil.input_type import TupleInputType  # noqa: E402
from coremltools.converters.mil.mil.ops.registry import SSAOpRegistry  # noqa: E402

OPSETS = [("ios15", ct.target.iOS15), ("ios16", ct.target.iOS16),
          ("ios17", ct.target.iOS17), ("ios18", ct.target.iOS18)]
ORDER = [name for name, _ in OPSETS]

# Strings coremltools accepts, read from its type inference (it checks them
# there, not in the input spec).
STRING_VALUES = {
    ("pad", "mode"): {"constant", "reflect", "replicate"},
    ("gelu", "mode"): {"EXACT", "TANH_APPROXIMATION", "SIGMOID_APPROXIMATION"},
    ("conv", "pad_type"): {"valid", "same", "custom", "same_lower"},
}


# Where anec is deliberately stricter than the op definition, and why
# (docs/MIL-CONTRACTS.md lists them too).
DELIBERATE = {
    ("coreml_update_state", "'value': dtypes"):
        "Core ML states hold fp16 only; coremltools' backend refuses any other "
        "state type when it writes the model description",
}


def dtype_names(domain):
    return sorted({types.builtin_to_string(t) for t in domain})


def definition(op, target):
    """coremltools' class of `op` for `target`: a core op, or for anec's
    coreml_update_state the coreml dialect op (serialized as
    write_state + read_state, available from iOS18)."""
    if op in SSAOpRegistry.core_ops:
        return SSAOpRegistry.core_ops[op].get(target)
    if op in SSAOpRegistry.dialect_ops and target >= ct.target.iOS18:
        return SSAOpRegistry.dialect_ops[op]
    return None


def compare(entry, cls):
    problems = []
    spec = {k: v for k, v in cls.input_spec.input_types.items() if not k.startswith("_")}
    ours = {p["name"]: p for p in entry["params"]}
    for name in sorted(set(spec) - set(ours)):
        problems.append(f"coremltools has parameter '{name}', anec does not")
    for name in sorted(set(ours) - set(spec)):
        problems.append(f"anec has parameter '{name}', coremltools does not")
    groups_ct, groups_anec = {}, {}
    for name in sorted(set(spec) & set(ours)):
        it, p = spec[name], ours[name]
        if bool(it.optional) != p["optional"]:
            problems.append(f"'{name}': optional is {bool(it.optional)} in coremltools")
        if bool(it.const) != p["const"]:
            problems.append(f"'{name}': const is {bool(it.const)} in coremltools")
        is_tuple = isinstance(it, TupleInputType)
        if is_tuple != (p["form"] == "tuple"):
            problems.append(f"'{name}': tuple is {is_tuple} in coremltools")
        # A named domain ("T") is resolved from the class's type_domains
        # when an op is built; the input spec itself holds only the name.
        domain = getattr(it, "type_domain", ()) or cls.type_domains.get(
            getattr(it, "type_domain_id", None), ())
        if not is_tuple and domain and not p["any"]:
            want = dtype_names(domain)
            # bf16 is anec's checkpoint storage (see the const row).
            got = sorted(d for d in p["dtypes"] if d != "bf16")
            if want != got:
                problems.append(f"'{name}': dtypes {got}, coremltools {want}")
        tid = getattr(it, "type_domain_id", None)
        if tid:
            groups_ct.setdefault(tid, set()).add(name)
        if p["var"]:
            groups_anec.setdefault(p["var"], set()).add(name)
        key = (entry["op"], name)
        if key in STRING_VALUES and set(p["values"]) != STRING_VALUES[key]:
            problems.append(f"'{name}': strings {sorted(p['values'])}, coremltools "
                            f"{sorted(STRING_VALUES[key])}")
    shared = lambda groups: sorted(sorted(g & set(ours) & set(spec)) for g in groups.values()
                                   if len(g & set(ours) & set(spec)) > 1)
    if shared(groups_ct) != shared(groups_anec):
        problems.append(f"shared type variables {shared(groups_anec)}, coremltools "
                        f"{shared(groups_ct)}")
    return problems


def main():
    table = json.load(open(sys.argv[1]))
    passed = failed = 0
    by_op = {}
    for entry in table:
        if entry["kind"] == "mil":
            by_op.setdefault(entry["op"], []).append(entry)
    for op, entries in sorted(by_op.items()):
        for opset, target in OPSETS:
            current = [e for e in entries if ORDER.index(e["since"]) <= ORDER.index(opset)]
            entry = current[-1] if current else None
            cls = definition(op, target)
            if op == "const":
                ok = cls is not None
                problems = [] if ok else ["coremltools has no const"]
            elif entry is None and cls is None:
                continue
            elif entry is None:
                problems = [f"coremltools has it in {opset}, anec's table starts later"]
            elif cls is None:
                problems = [f"anec has it in {opset}, coremltools does not"]
            else:
                problems = compare(entry, cls)
            reasons = [r for (o, start), r in DELIBERATE.items()
                       for p in problems if o == op and p.startswith(start)]
            if problems and len(reasons) == len(problems):
                passed += 1
                print(f"ok {op} {opset} (deliberately stricter: {reasons[0]})")
                continue
            if problems:
                failed += 1
                for p in problems:
                    print(f"FAIL {op} {opset}: {p}")
            else:
                passed += 1
                print(f"ok {op} {opset}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
