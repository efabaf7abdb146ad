//===- Compare.cpp - how far one output is from a reference ---------------===//
#include "lib/Interpreter/Compare.h"

#include <cmath>
#include <limits>

using namespace anec::interp;

Comparison anec::interp::compare(const Tensor &test, const Tensor &ref,
                                 bool logits) {
  Comparison c;
  int64_t n = ref.numElements();
  double refPeak = 0, signal = 0, noise = 0, dot = 0, tt = 0;
  for (int64_t k = 0; k < n; ++k) {
    double a = test.at(k), b = ref.at(k);
    if (!std::isfinite(a) && std::isfinite(b))
      c.nonFinite = true;
    double d = std::fabs(a - b);
    if (!std::isfinite(d))
      d = std::numeric_limits<double>::infinity();
    c.maxAbs = std::max(c.maxAbs, d);
    refPeak = std::max(refPeak, std::fabs(b));
    signal += b * b;
    noise += (a - b) * (a - b);
    dot += a * b;
    tt += a * a;
  }
  c.maxRel = refPeak > 0 ? c.maxAbs / refPeak : c.maxAbs;
  c.snrDb = noise == 0 ? std::numeric_limits<double>::infinity()
                       : 10.0 * std::log10(signal / noise);
  c.cosine = (signal > 0 && tt > 0) ? dot / std::sqrt(signal * tt)
                                    : (signal == tt ? 1.0 : 0.0);
  if (logits && !ref.shape.empty() && n > 0) {
    int64_t width = ref.shape.back();
    c.rows = n / width;
    int64_t agree = 0;
    double klSum = 0;
    for (int64_t r = 0; r < c.rows; ++r) {
      const int64_t base = r * width;
      int64_t at = 0, ar = 0;
      double mt = -INFINITY, mr = -INFINITY;
      for (int64_t j = 0; j < width; ++j) {
        if (test.at(base + j) > mt)
          mt = test.at(base + j), at = j;
        if (ref.at(base + j) > mr)
          mr = ref.at(base + j), ar = j;
      }
      agree += at == ar;
      double zt = 0, zr = 0;
      for (int64_t j = 0; j < width; ++j) {
        zt += std::exp(test.at(base + j) - mt);
        zr += std::exp(ref.at(base + j) - mr);
      }
      double kl = 0;
      for (int64_t j = 0; j < width; ++j) {
        double lp = ref.at(base + j) - mr - std::log(zr);
        double lq = test.at(base + j) - mt - std::log(zt);
        kl += std::exp(lp) * (lp - lq);
      }
      klSum += kl;
    }
    c.top1 = (double)agree / c.rows;
    c.kl = klSum / c.rows;
  }
  return c;
}
