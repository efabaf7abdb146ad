//===- CApi.cpp - anec's C API over anec::compile -------------------------===//
#include "anec-c/anec.h"
#include "anec/Compiler.h"

#include "llvm/ADT/StringRef.h"

#include <new>
#include <string>
#include <vector>

struct anec_options {
  anec::CompileOptions options;
};

struct anec_result {
  std::string error;
  std::string report;
  std::vector<std::string> outputs;
};

namespace {

anec_status statusOf(const absl::Status &s) {
  switch (s.code()) {
  case absl::StatusCode::kOk:
    return ANEC_OK;
  case absl::StatusCode::kInvalidArgument:
    return ANEC_INVALID_ARGUMENT;
  case absl::StatusCode::kNotFound:
    return ANEC_NOT_FOUND;
  default:
    return ANEC_FAILED;
  }
}

anec_status finish(const absl::StatusOr<anec::CompileResult> &r, anec_result **result) {
  anec_result *out = new (std::nothrow) anec_result();
  if (!out) {
    if (result)
      *result = nullptr;
    return ANEC_FAILED;
  }
  if (r.ok()) {
    out->report = r->report;
    out->outputs = r->written;
  } else {
    out->error = std::string(r.status().message());
  }
  if (result)
    *result = out;
  else
    delete out;
  return statusOf(r.status());
}

anec_status rejected(const char *message, anec_result **result) {
  return finish(absl::InvalidArgumentError(message), result);
}

} // namespace

extern "C" {

const char *anec_version(void) { return "0.1.0"; }

anec_options *anec_options_create(void) { return new (std::nothrow) anec_options(); }

void anec_options_destroy(anec_options *options) { delete options; }

anec_status anec_options_set(anec_options *options, const char *name, const char *value) {
  if (!options || !name || !value)
    return ANEC_INVALID_ARGUMENT;
  anec::CompileOptions &o = options->options;
  llvm::StringRef key(name), v(value);
  auto integer = [&](auto &field) {
    long long parsed;
    if (v.getAsInteger(10, parsed) || parsed < 0)
      return ANEC_INVALID_ARGUMENT;
    field = static_cast<std::remove_reference_t<decltype(field)>>(parsed);
    return ANEC_OK;
  };
  if (key == "weights")
    o.weights = value;
  else if (key == "os")
    o.os = value;
  else if (key == "format")
    o.format = value;
  else if (key == "target")
    o.target = value;
  else if (key == "compute-units")
    o.computeUnits = value;
  else if (key == "pipeline")
    o.pipeline = value;
  else if (key == "graph")
    o.graph = value;
  else if (key == "prefill")
    return integer(o.prefill);
  else if (key == "context")
    return integer(o.context);
  else if (key == "max-file-size")
    return integer(o.maxFileSize);
  else if (key == "j")
    return integer(o.threads);
  else if (key == "explain") {
    if (v != "true" && v != "false")
      return ANEC_INVALID_ARGUMENT;
    o.explain = v == "true";
  } else if (key == "force") {
    if (v != "true" && v != "false")
      return ANEC_INVALID_ARGUMENT;
    o.force = v == "true";
  } else
    return ANEC_INVALID_ARGUMENT;
  return ANEC_OK;
}

anec_status anec_compile_file(const anec_options *options, const char *input_path,
                              const char *output_path, anec_result **result) {
  if (!input_path || !output_path)
    return rejected("an input and an output path are needed", result);
  anec::CompileOptions o = options ? options->options : anec::CompileOptions();
  o.input = input_path;
  o.output = output_path;
  return finish(anec::compile(o), result);
}

anec_status anec_compile_buffer(const anec_options *options, const void *data, size_t size,
                                const char *name, const char *output_path,
                                anec_result **result) {
  if (!data || size == 0 || !output_path)
    return rejected("a non-empty buffer and an output path are needed", result);
  anec::CompileOptions o = options ? options->options : anec::CompileOptions();
  o.input = name ? name : "<buffer>";
  o.inputText.assign(static_cast<const char *>(data), size);
  o.output = output_path;
  return finish(anec::compile(o), result);
}

const char *anec_result_error(const anec_result *r) { return r ? r->error.c_str() : ""; }

const char *anec_result_report_json(const anec_result *r) { return r ? r->report.c_str() : ""; }

size_t anec_result_output_count(const anec_result *r) { return r ? r->outputs.size() : 0; }

const char *anec_result_output(const anec_result *r, size_t index) {
  return r && index < r->outputs.size() ? r->outputs[index].c_str() : nullptr;
}

void anec_result_destroy(anec_result *r) { delete r; }

} // extern "C"
