//===- Progress.cpp - progress of long compile steps ----------------------===//
#include "anec/Progress.h"

#include <mutex>

namespace {
std::mutex mutex;
anec::ProgressCallback current;
} // namespace

anec::ProgressCallback anec::setProgressCallback(ProgressCallback callback) {
  std::lock_guard<std::mutex> lock(mutex);
  std::swap(current, callback);
  return callback;
}

void anec::reportProgress(std::string_view step, int64_t done, int64_t total) {
  std::lock_guard<std::mutex> lock(mutex);
  if (current)
    current(step, done, total);
}
