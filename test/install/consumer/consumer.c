/* Compiles a model through the installed C API: from a path, with a bad
 * option to show errors come back as values, and (given a .mlir file) from
 * memory.
 *   anec-consumer MODEL OUTPUT [PROGRAM.mlir] */
#include <anec-c/anec.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: anec-consumer MODEL OUTPUT [PROGRAM.mlir]\n");
    return 2;
  }
  printf("anec %s\n", anec_version());
  anec_options *options = anec_options_create();
  if (anec_options_set(options, "weights", "int8") != ANEC_OK ||
      anec_options_set(options, "prefill", "8") != ANEC_OK ||
      anec_options_set(options, "context", "32") != ANEC_OK)
    return 1;
  if (anec_options_set(options, "no-such-option", "1") != ANEC_INVALID_ARGUMENT)
    return 1;
  anec_result *result = NULL;
  anec_status status = anec_compile_file(options, argv[1], argv[2], &result);
  printf("status %d, %zu output(s), first %s\n", (int)status, anec_result_output_count(result),
         anec_result_output_count(result) ? anec_result_output(result, 0) : "-");
  const char *report = anec_result_report_json(result);
  printf("report has partition: %s, quantization totals: %s\n",
         strstr(report, "\"partition\"") ? "yes" : "no",
         strstr(report, "\"totals\"") ? "yes" : "no");
  anec_result_destroy(result);

  anec_options_set(options, "weights", "lut5");
  status = anec_compile_file(options, argv[1], argv[2], &result);
  printf("bad weights: status %d, error: %s\n", (int)status, anec_result_error(result));
  anec_result_destroy(result);

  if (argc == 4) {
    /* The same options, the program read into memory. */
    FILE *f = fopen(argv[3], "rb");
    if (!f)
      return 1;
    static char text[1 << 20];
    size_t size = fread(text, 1, sizeof text, f);
    fclose(f);
    anec_options_set(options, "weights", "fp16");
    char out[4096];
    snprintf(out, sizeof out, "%s.from-memory.mlpackage", argv[2]);
    status = anec_compile_buffer(options, text, size, "program.mlir", out, &result);
    printf("from memory: status %d, %zu output(s), error '%s'\n", (int)status,
           anec_result_output_count(result), anec_result_error(result));
    anec_result_destroy(result);
    status = anec_compile_buffer(options, "not mlir", 8, "junk.mlir", out, &result);
    printf("junk from memory: status %d, error: %s\n", (int)status, anec_result_error(result));
    anec_result_destroy(result);
  }
  anec_options_destroy(options);
  return 0;
}
