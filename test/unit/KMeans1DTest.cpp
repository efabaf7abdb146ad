//===- KMeans1DTest.cpp - optimal 1-D k-means against brute force ---------===//
#include "lib/Compression/KMeans1D.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace anec::compression;

namespace {

/// The best error over every way to cut sorted values into k contiguous
/// clusters (optimal 1-D clusters are contiguous), by enumeration.
double bruteForce(const std::vector<double> &x, const std::vector<double> &w, int k) {
  size_t n = x.size();
  double best = INFINITY;
  std::vector<size_t> cuts(k - 1);
  std::function<void(size_t, size_t)> rec = [&](size_t idx, size_t from) {
    if (idx == cuts.size()) {
      double err = 0;
      size_t begin = 0;
      for (size_t c = 0; c <= cuts.size(); ++c) {
        size_t end = c < cuts.size() ? cuts[c] : n;
        double sw = 0, sx = 0;
        for (size_t i = begin; i < end; ++i)
          sw += w[i], sx += w[i] * x[i];
        double mean = sw > 0 ? sx / sw : 0;
        for (size_t i = begin; i < end; ++i)
          err += w[i] * (x[i] - mean) * (x[i] - mean);
        begin = end;
      }
      best = std::min(best, err);
      return;
    }
    for (size_t c = from; c < n; ++c) {
      cuts[idx] = c;
      rec(idx + 1, c + 1);
    }
  };
  rec(0, 1);
  return best;
}

TEST(KMeans1D, MatchesBruteForce) {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int> count(1, 9);
  for (int trial = 0; trial < 30; ++trial) {
    int n = 6 + trial % 7, k = 2 + trial % 4;
    std::vector<double> x(n), w(n);
    for (int i = 0; i < n; ++i)
      x[i] = normal(rng), w[i] = count(rng);
    std::sort(x.begin(), x.end());
    for (KMeansSearch search :
         {KMeansSearch::DivideAndConquer, KMeansSearch::Knuth, KMeansSearch::Smawk}) {
      auto centroids = optimalKMeans1D(x, w, k, search);
      ASSERT_EQ((int)centroids.size(), k);
      EXPECT_NEAR(quantizationError(x, w, centroids), bruteForce(x, w, k), 1e-9)
          << "n=" << n << " k=" << k;
    }
  }
}

// Brute force stops at a dozen values; beyond, the two searches (each
// relying on a different monotonicity of the optimal splits) must agree,
// with ties, duplicates and heavy counts as fp16 histograms have them.
TEST(KMeans1D, SearchesAgreeOnLargeHistograms) {
  std::mt19937 rng(11);
  std::normal_distribution<double> normal(0, 0.02);
  std::uniform_int_distribution<int> count(1, 40);
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<double> x;
    for (int i = 0; i < 3000; ++i)
      x.push_back((double)(_Float16)normal(rng));
    std::sort(x.begin(), x.end());
    x.erase(std::unique(x.begin(), x.end()), x.end());
    std::vector<double> w(x.size());
    for (double &c : w)
      c = trial % 2 ? count(rng) : 1;
    for (int k : {2, 16, 64, 256}) {
      double dc = quantizationError(x, w, optimalKMeans1D(x, w, k, KMeansSearch::DivideAndConquer));
      double knuth = quantizationError(x, w, optimalKMeans1D(x, w, k, KMeansSearch::Knuth));
      double smawk = quantizationError(x, w, optimalKMeans1D(x, w, k, KMeansSearch::Smawk));
      EXPECT_NEAR(dc, knuth, 1e-9 * dc) << "k=" << k;
      EXPECT_NEAR(dc, smawk, 1e-9 * dc) << "k=" << k;
    }
  }
}

// Coarse to fine (the default for many points a cluster) against the exact
// program: within 1e-3 of its error on every histogram, the same on most
// (fp16 normals, two-sided exponentials and Student-t tails, as weights
// are), and never worse than the exact program by more than that.
TEST(KMeans1D, CoarseToFineIsNearTheOptimum) {
  std::mt19937 rng(13);
  std::normal_distribution<double> normal(0, 0.02);
  std::exponential_distribution<double> exponential(40);
  std::student_t_distribution<double> student(3);
  int same = 0, trials = 0;
  for (int trial = 0; trial < 24; ++trial) {
    std::vector<double> x;
    std::vector<double> w;
    {
      std::vector<double> v;
      for (int i = 0; i < 16384; ++i) {
        double r = trial % 3 == 0   ? normal(rng)
                   : trial % 3 == 1 ? (rng() & 1 ? 1 : -1) * exponential(rng)
                                    : 0.01 * student(rng);
        v.push_back((double)(_Float16)r);
      }
      std::sort(v.begin(), v.end());
      for (double value : v) {
        if (x.empty() || x.back() != value)
          x.push_back(value), w.push_back(0);
        w.back() += 1;
      }
    }
    for (int k : {4, 16}) {
      double exact =
          quantizationError(x, w, optimalKMeans1D(x, w, k, KMeansSearch::DivideAndConquer));
      double fast = quantizationError(x, w, optimalKMeans1D(x, w, k, KMeansSearch::CoarseToFine));
      EXPECT_LE(fast, exact * (1 + 1e-3)) << "trial " << trial << " k=" << k;
      EXPECT_GE(fast, exact * (1 - 1e-12)) << "trial " << trial << " k=" << k;
      same += fast <= exact * (1 + 1e-12);
      ++trials;
    }
  }
  EXPECT_GE(same, trials * 3 / 4);
}

TEST(KMeans1D, FewerValuesThanClustersAreExact) {
  std::vector<double> x = {-1, 0.5, 2}, w = {1, 2, 3};
  auto c = optimalKMeans1D(x, w, 16);
  EXPECT_EQ(quantizationError(x, w, c), 0.0);
}

} // namespace
