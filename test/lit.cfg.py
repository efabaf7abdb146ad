# lit configuration for anec. Tests mirror the source folders: dialects/,
# passes/, tools/. See test/README.md for the RUN-line patterns.
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "anec"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["inputs", "unit", "regressions", "CMakeLists.txt", "README.md", "check_ops.py", "check_kv_cache.py", "reference_llama.py", "check_generate.py", "make_checkpoint.py", "make_bad_checkpoints.py", "make_gguf.py", "check_milblob.py", "make_bad_packages.py", "check_subbyte.py", "kill_mid_write.py", "output_safety.py", "make_chain.py", "pylib", "compare_contracts.py", "compare_serialization.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.anec_obj_root, "test")

# Sanitized builds (utils/sanitize.sh): tests that link anec into a program
# built without the sanitizer runtime do not apply.
if "-fsanitize" in getattr(config, "anec_cxx_flags", ""):
    config.available_features.add("sanitized")

# Apple's coremltools, from ../shared beside the checkout: `ct-load` reads a
# package as Core ML's tools do. Tests that write packages run it and
# `REQUIRES: coremltools`, so they are unsupported (never passed) without it.
ct_load = os.path.realpath(os.path.join(config.anec_src_root, "..", "shared", "validators", "ct-load"))
if os.path.isfile(ct_load):
    config.available_features.add("coremltools")
    config.substitutions.append(("%ct_load", "/usr/bin/python3 " + ct_load))
    config.environment.pop("PYTHONPATH", None)

# The public H13 ANE binaries and their networks (../shared/data/hwx-h13):
# tests that compare against Apple's .hwx files `REQUIRES: hwx-golden`.
hwx_golden = os.path.realpath(os.path.join(config.anec_src_root, "..", "shared", "data", "hwx-h13"))
if os.path.isfile(os.path.join(hwx_golden, "aneregs.json")):
    config.available_features.add("hwx-golden")
    config.substitutions.append(("%hwx_golden", hwx_golden))

# Every FileCheck run checks variable scopes.
config.substitutions.append(
    ("%FileCheck", os.path.join(config.llvm_tools_dir, "FileCheck") + " -enable-var-scope"))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%anec_src", config.anec_src_root))
config.substitutions.append(("%anec_obj", config.anec_obj_root))

llvm_config.with_environment("PATH", config.anec_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.use_default_substitutions()
tool_dirs = [config.anec_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["anec", "anec-opt", "anec-run", "anec-translate", "anec-fuzz-replay", "anec-palettize-bench", "FileCheck", "not", "count"], tool_dirs)
