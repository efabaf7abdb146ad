/*===- anec-c/anec.h - anec's C API: compile a model for the Neural Engine -===*
 *
 * For toolchains in any language: compile a model (a Hugging Face folder, a
 * .gguf, an .mlpackage, a MIL text folder, a mil .mlir/.mlirbc file, or mil
 * MLIR held in memory) into a Core ML package for the Apple Neural Engine,
 * with the options of `anec compile`. Errors are values: every call returns
 * a status, and a result carries the message and the reports (JSON).
 *
 * Link with the installed package: find_package(Anec CONFIG) and the
 * imported target Anec::anec, or pkg-config --cflags --libs anec.
 *
 *===----------------------------------------------------------------------===*/
#ifndef ANEC_C_ANEC_H
#define ANEC_C_ANEC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum anec_status {
  ANEC_OK = 0,
  ANEC_INVALID_ARGUMENT = 1, /* a bad option, or an input that is not a valid model */
  ANEC_NOT_FOUND = 2,        /* the input does not exist */
  ANEC_FAILED = 3            /* anything else: the message says what */
} anec_status;

typedef struct anec_options anec_options;
typedef struct anec_result anec_result;

/* The library's version, "major.minor.patch". */
const char *anec_version(void);

/* Options with `anec compile`'s defaults; free with anec_options_destroy. */
anec_options *anec_options_create(void);
void anec_options_destroy(anec_options *options);

/* Sets an option by its command-line name without the dashes: weights, os,
 * format, target, compute-units, pipeline, graph, prefill, context,
 * max-file-size, j, explain, force (true/false). ANEC_INVALID_ARGUMENT for an unknown name or a
 * malformed number (the option is then unchanged). Values are checked when
 * compiling. */
anec_status anec_options_set(anec_options *options, const char *name, const char *value);

/* Compiles the model at `input_path` into `output_path`. `*result` always
 * receives a result (free it with anec_result_destroy), which carries the
 * error message when the status is not ANEC_OK. */
anec_status anec_compile_file(const anec_options *options, const char *input_path,
                              const char *output_path, anec_result **result);

/* The same for a mil module held in memory (MLIR text or bytecode);
 * `name` names it in messages. */
anec_status anec_compile_buffer(const anec_options *options, const void *data, size_t size,
                                const char *name, const char *output_path,
                                anec_result **result);

/* The error message ("" after success). */
const char *anec_result_error(const anec_result *result);
/* The combined report as JSON: partition, quantization, sizes, timings ("" after
 * a failure). */
const char *anec_result_report_json(const anec_result *result);
/* The packages (or folders) written: more than one when chunked. */
size_t anec_result_output_count(const anec_result *result);
const char *anec_result_output(const anec_result *result, size_t index);
void anec_result_destroy(anec_result *result);

#ifdef __cplusplus
}
#endif

#endif /* ANEC_C_ANEC_H */
