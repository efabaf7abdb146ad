//===- CostModel.cpp - roofline time of an op on a compute unit ----------===//
#include "lib/Partition/CostModel.h"

#include <algorithm>

using namespace anec::partition;

double anec::partition::opMs(const Target &t, Unit unit, const OpWork &w) {
  double seconds = 0;
  switch (unit) {
  case Unit::ANE: {
    double peak = (w.int8Activations && t.ane.w8a8 ? t.ane.int8Tops : t.ane.fp16Tflops) * 1e12;
    // Past the on-chip SRAM the ANE runs at a fraction of its peak and its
    // activations stream from memory too.
    bool spills = w.weightBytes + w.activationBytes > t.ane.sramMiB * 1024 * 1024;
    double compute = w.flops / (spills ? peak * t.ane.sramCliff : peak);
    double bytes = w.weightBytes + (spills ? w.activationBytes : 0);
    seconds = std::max(compute, bytes / (t.ane.weightBandwidthGBs * 1e9));
    break;
  }
  case Unit::GPU:
    seconds = std::max(w.flops / (t.gpu.fp16Tflops * 1e12),
                       (w.weightBytes + w.activationBytes) / (t.gpu.bandwidthGBs * 1e9));
    break;
  case Unit::CPU:
    seconds = std::max(w.flops / (t.cpu.gflops * 1e9),
                       (w.weightBytes + w.activationBytes) / (t.cpu.bandwidthGBs * 1e9));
    break;
  }
  return seconds * 1e3;
}

double anec::partition::transferMs(const Target &t, double bytes) {
  return t.transfer.ms + bytes / (t.transfer.bandwidthGBs * 1e9) * 1e3;
}

double anec::partition::dispatchMs(const Target &t, Unit unit) {
  switch (unit) {
  case Unit::ANE:
    return t.ane.dispatchMs;
  case Unit::GPU:
    return t.gpu.dispatchMs;
  case Unit::CPU:
    return 0;
  }
  return 0;
}
