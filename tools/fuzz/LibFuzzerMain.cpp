//===- LibFuzzerMain.cpp - the libFuzzer entry point of one target --------===//
#include <cstddef>
#include <cstdint>
#include <string>

bool anecFuzzOne(const std::string &target, const uint8_t *data, size_t size);

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  anecFuzzOne(ANEC_FUZZ_TARGET, data, size);
  return 0;
}
