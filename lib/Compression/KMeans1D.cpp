//===- KMeans1D.cpp - globally optimal 1-D k-means over weighted values ---===//
//
// fp16 weights take at most 65536 distinct values, so clustering the
// weighted histogram of distinct values by dynamic programming gives the
// globally optimal 1-D k-means (the O(kn)-family of Wu 1991 and Grønlund et
// al. 2017; here each layer by divide and conquer, or within Knuth's
// bounds).
// Clusters in 1-D optimal k-means are contiguous in sorted order, and the
// optimal split points are monotone in the prefix length.
//
//===----------------------------------------------------------------------===//
#include "lib/Compression/KMeans1D.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace anec::compression;

namespace {

struct Prefix {
  std::vector<double> w, wx, wxx;
  Prefix() = default;
  /// The prefix sums at the given (ascending) indices of `full` only: the
  /// same costs for clusters that start and end there.
  Prefix(const Prefix &full, const std::vector<uint32_t> &at) {
    for (uint32_t i : at) {
      w.push_back(full.w[i]);
      wx.push_back(full.wx[i]);
      wxx.push_back(full.wxx[i]);
    }
  }
  size_t size() const { return w.size() - 1; }
  explicit Prefix(const std::vector<double> &x, const std::vector<double> &weights)
      : w(x.size() + 1, 0), wx(x.size() + 1, 0), wxx(x.size() + 1, 0) {
    for (size_t i = 0; i < x.size(); ++i) {
      w[i + 1] = w[i] + weights[i];
      wx[i + 1] = wx[i] + weights[i] * x[i];
      wxx[i + 1] = wxx[i] + weights[i] * x[i] * x[i];
    }
  }
  /// Weighted SSE of values [a, b) around their weighted mean.
  double cost(size_t a, size_t b) const {
    double sw = w[b] - w[a];
    if (sw <= 0)
      return 0;
    double sx = wx[b] - wx[a];
    return std::max(0.0, (wxx[b] - wxx[a]) - sx * sx / sw);
  }
  double mean(size_t a, size_t b) const {
    double sw = w[b] - w[a];
    return sw > 0 ? (wx[b] - wx[a]) / sw : 0;
  }
};

/// The largest j in [from, to] minimizing prev[j] + cost(j, i), with that
/// value in `best`: the inner loop of every search. Eight lanes each keep
/// their own running minimum (independent chains the compiler turns into
/// one vector of compares and blends, beside one division per j), merged at
/// the end; AVX-512 and AVX2 clones are chosen at run time.
__attribute__((target_clones("avx512f", "avx2", "default"))) size_t
bestSplit(const double *prev, const double *w, const double *wx, const double *wxx, size_t i,
          size_t from, size_t to, double &best) {
  constexpr int kLanes = 8;
  const double wi = w[i], wxi = wx[i], wxxi = wxx[i];
  const size_t len = to - from + 1;
  const double *pw = w + from, *pwx = wx + from, *pwxx = wxx + from, *pprev = prev + from;
  double laneBest[kLanes];
  int64_t laneAt[kLanes];
  for (int l = 0; l < kLanes; ++l)
    laneBest[l] = std::numeric_limits<double>::infinity(), laneAt[l] = 0;
  size_t t = 0;
  for (; t + kLanes <= len; t += kLanes)
    for (int l = 0; l < kLanes; ++l) {
      double sw = wi - pw[t + l], sx = wxi - pwx[t + l];
      double c = pprev[t + l] + (wxxi - pwxx[t + l]) - sx * sx / sw;
      bool better = c <= laneBest[l];
      laneBest[l] = better ? c : laneBest[l];
      laneAt[l] = better ? int64_t(t + l) : laneAt[l];
    }
  for (; t < len; ++t) {
    double sw = wi - pw[t], sx = wxi - pwx[t];
    double c = pprev[t] + (wxxi - pwxx[t]) - sx * sx / sw;
    if (c <= laneBest[0])
      laneBest[0] = c, laneAt[0] = int64_t(t);
  }
  // The lanes' minimum; among equal values the largest j, as a scan would.
  double bestValue = laneBest[0];
  int64_t bestT = laneAt[0];
  for (int l = 1; l < kLanes; ++l)
    if (laneBest[l] < bestValue || (laneBest[l] == bestValue && laneAt[l] > bestT))
      bestValue = laneBest[l], bestT = laneAt[l];
  best = bestValue;
  return from + size_t(bestT);
}

/// SMAWK (Aggarwal, Klawe, Moran, Shor, Wilber 1987): the leftmost column
/// of the minimum of every row of a totally monotone matrix `f`, written to
/// argmin[row], in O(rows + columns) evaluations. Rows are the arithmetic
/// run first, first + step, ... (nrows of them); columns a sorted list.
/// Columns are first reduced to at most as many as rows, the odd rows solved
/// recursively (rows twice as far apart), the even rows filled between their
/// neighbours' answers. Every level's reduced columns go in `arena` (at most
/// 2 x nrows entries in all), so a layer allocates nothing.
template <typename F>
void smawk(size_t first, size_t step, size_t nrows, const uint32_t *cols, size_t ncols,
           const F &f, uint32_t *argmin, uint32_t *arena) {
  if (nrows == 0)
    return;
  // REDUCE: a stack of candidate columns; the top is dropped while the row
  // of its depth prefers the new column.
  uint32_t *kept = arena;
  size_t nkept = 0;
  for (size_t c = 0; c < ncols; ++c) {
    uint32_t col = cols[c];
    while (nkept) {
      size_t r = first + step * (nkept - 1);
      if (f(r, kept[nkept - 1]) <= f(r, col))
        break;
      --nkept;
    }
    if (nkept < nrows)
      kept[nkept++] = col;
  }
  // The odd rows, on the reduced columns.
  smawk(first + step, 2 * step, nrows / 2, kept, nkept, f, argmin, arena + nkept);
  // INTERPOLATE: each even row's minimum lies between the columns of its
  // odd neighbours' minima.
  size_t c = 0;
  for (size_t m = 0; m < nrows; m += 2) {
    size_t row = first + step * m;
    uint32_t stop = m + 1 < nrows ? argmin[row + step] : kept[nkept - 1];
    uint32_t best = kept[c];
    double bestValue = f(row, best);
    while (kept[c] != stop) {
      ++c;
      double v = f(row, kept[c]);
      if (v < bestValue)
        bestValue = v, best = kept[c];
    }
    argmin[row] = best;
  }
}

} // namespace

namespace {

/// The exact layered dynamic program over the points of `p` (k < n): the
/// k + 1 cluster boundaries 0 = b_0 < ... < b_k = n, as indices into `p`.
std::vector<uint32_t> layeredBoundaries(const Prefix &p, int k, KMeansSearch search) {
  size_t n = p.size();
  const double inf = std::numeric_limits<double>::infinity();
  // prev[i]: best cost of the first i values in (layer) clusters.
  std::vector<double> prev(n + 1, inf), cur(n + 1, inf);
  std::vector<std::vector<uint32_t>> split(k, std::vector<uint32_t>(n + 1, 0));
  for (size_t i = 1; i <= n; ++i)
    prev[i] = p.cost(0, i);
  prev[0] = 0;
  // The interval cost is Monge, so with the largest optimal split kept
  // everywhere, split[l][i] <= split[l][i+1] and (Knuth) split[l-1][i] <=
  // split[l][i]. Three searches, each exact: divide and conquer over i
  // within both bounds, O(n log n) a layer; SMAWK on the totally monotone
  // layer matrix, O(n) a layer; a downward scan within both bounds. With the
  // vectorized split search, divide and conquer is the fastest for every k
  // (one thread, 8,200 distinct fp16 values: 4.1 / 14.3 / 52 ms a group for
  // k = 16 / 64 / 256, against SMAWK's 6.2 / 26.5 / 118 and the scan's
  // 23.5 / 32.0 / 59; utils/bench-palettize-coremltools.py and BENCHMARKS).
  if (search == KMeansSearch::Auto || search == KMeansSearch::Exact ||
      search == KMeansSearch::CoarseToFine)
    search = KMeansSearch::DivideAndConquer;
  for (size_t i = 0; i <= n; ++i)
    split[0][i] = 0;
  std::vector<uint32_t> columns(search == KMeansSearch::Smawk ? n : 0),
      arena(search == KMeansSearch::Smawk ? 2 * n + 2 : 0);
  for (int layer = 1; layer < k; ++layer) {
    std::vector<uint32_t> &arg = split[layer];
    const std::vector<uint32_t> &fewer = split[layer - 1];
    cur.assign(n + 1, inf);
    // Prefixes the remaining k-1-layer clusters leave room for.
    size_t last = n - (k - 1 - layer);
    auto best = [&](size_t i, size_t from, size_t to) {
      if (to - from < 12) {
        // Short windows (most rows of the deeper levels): a call and two
        // passes would cost more than the window.
        double bestCost = inf;
        size_t bestJ = from;
        for (size_t j = from; j <= to; ++j) {
          double c = prev[j] + p.cost(j, i);
          if (c <= bestCost) {
            bestCost = c;
            bestJ = j;
          }
        }
        cur[i] = bestCost;
        arg[i] = (uint32_t)bestJ;
        return bestJ;
      }
      size_t bestJ =
          bestSplit(prev.data(), p.w.data(), p.wx.data(), p.wxx.data(), i, from, to, cur[i]);
      arg[i] = (uint32_t)bestJ;
      return bestJ;
    };
    if (search == KMeansSearch::Knuth) {
      // The previous layer has no split at `last` (its own last is one less).
      size_t upper = last - 1;
      for (size_t i = last; i >= (size_t)layer + 1; --i)
        upper = best(i, i < last ? std::max<size_t>(layer, fewer[i]) : layer,
                     std::min(i - 1, upper));
    } else if (search == KMeansSearch::Smawk) {
      // Row minima of the totally monotone matrix f(i, j) = prev[j] +
      // cost(j, i) (infinite for j >= i) by SMAWK: O(n) per layer. The last
      // layer needs only the row of all n values.
      const double *prevData = prev.data();
      auto f = [&](size_t i, size_t j) {
        return j < i ? prevData[j] + p.cost(j, i) : inf;
      };
      size_t firstRow = layer + 1 == k ? last : layer + 1;
      size_t nrows = last + 1 - firstRow, ncols = last - layer;
      for (size_t j = 0; j < ncols; ++j)
        columns[j] = uint32_t(layer + j);
      smawk(firstRow, 1, nrows, columns.data(), ncols, f, arg.data(), arena.data());
      for (size_t i = firstRow; i <= last; ++i)
        cur[i] = f(i, arg[i]);
    } else {
      auto solve = [&](auto &&self, size_t lo, size_t hi, size_t optLo, size_t optHi) -> void {
        if (lo > hi)
          return;
        size_t mid = (lo + hi) / 2;
        // Both bounds: monotone in i within the layer, and (Knuth) no left
        // of the split with one cluster fewer (not made for the last row).
        size_t to = std::min(mid - 1, optHi);
        size_t from = mid < last ? std::max<size_t>(optLo, fewer[mid]) : optLo;
        size_t bestJ = best(mid, std::min(from, to), to);
        if (mid > lo)
          self(self, lo, mid - 1, optLo, bestJ);
        self(self, mid + 1, hi, bestJ, optHi);
      };
      solve(solve, layer + 1, last, layer, last - 1);
    }
    std::swap(prev, cur);
  }
  // Walk the splits back from (k clusters, n values).
  std::vector<uint32_t> bounds(k + 1);
  bounds[k] = uint32_t(n);
  for (int layer = k - 1; layer >= 1; --layer)
    bounds[layer] = split[layer][bounds[layer + 1]];
  bounds[0] = 0;
  return bounds;
}

/// The optimal boundaries when boundary l may only lie in [lo[l], hi[l]]
/// (l = 1..k-1, both ascending): one small exact program per window pair,
/// each row's best split found by the vectorized search. Empty windows give
/// no answer (an empty vector).
std::vector<uint32_t> windowedBoundaries(const Prefix &p, int k, const std::vector<uint32_t> &lo,
                                         const std::vector<uint32_t> &hi) {
  const size_t n = p.size();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> prev(n + 1, inf), cur(n + 1, inf);
  std::vector<std::vector<uint32_t>> arg(k + 1);
  for (uint32_t i = lo[1]; i <= hi[1]; ++i)
    prev[i] = p.cost(0, i);
  for (int l = 2; l <= k; ++l) {
    // Rows: the window of boundary l (the last boundary is n itself).
    uint32_t rowLo = l < k ? lo[l] : uint32_t(n), rowHi = l < k ? hi[l] : uint32_t(n);
    arg[l].assign(rowHi - rowLo + 1, 0);
    // Row minima are monotone here too (the cost is Monge whatever the
    // previous layer's values): divide and conquer over the window's rows.
    auto solve = [&](auto &&self, uint32_t rlo, uint32_t rhi, uint32_t olo, uint32_t ohi) -> void {
      if (rlo > rhi)
        return;
      uint32_t mid = rlo + (rhi - rlo) / 2;
      uint32_t to = std::min<uint32_t>(ohi, mid - 1);
      uint32_t best = olo;
      if (to < olo) {
        cur[mid] = inf;
      } else {
        best = uint32_t(bestSplit(prev.data(), p.w.data(), p.wx.data(), p.wxx.data(), mid, olo,
                                  to, cur[mid]));
        arg[l][mid - rowLo] = best;
      }
      if (mid > rlo)
        self(self, rlo, mid - 1, olo, best);
      self(self, mid + 1, rhi, best, ohi);
    };
    solve(solve, rowLo, rowHi, lo[l - 1], hi[l - 1]);
    for (uint32_t j = lo[l - 1]; j <= hi[l - 1]; ++j)
      prev[j] = inf;
    std::swap(prev, cur);
  }
  if (!(prev[n] < inf))
    return {};
  std::vector<uint32_t> bounds(k + 1);
  bounds[k] = uint32_t(n);
  for (int l = k; l >= 2; --l) {
    uint32_t rowLo = l < k ? lo[l] : uint32_t(n);
    bounds[l - 1] = arg[l][bounds[l] - rowLo];
  }
  bounds[0] = 0;
  return bounds;
}

/// Coarse to fine: the exact program over block edges only (about
/// kBlocksPerCluster blocks a cluster), then each boundary searched over
/// every point within two blocks of where the coarse program put it.
/// Windows are widened (then the full program run) while a boundary lands
/// on the edge of its window, so the answer is the optimum over every
/// partition whose boundaries lie in windows none of them presses against.
/// On 8 x 2048 fp16 normals (8,200 distinct values, k = 16): within 2e-4
/// of the optimal error, equal to it in most groups, 5x faster.
std::vector<uint32_t> coarseToFineBoundaries(const Prefix &p, const std::vector<double> &x, int k) {
  constexpr size_t kBlocksPerCluster = 32;
  size_t n = p.size();
  size_t block = std::max<size_t>(1, n / (kBlocksPerCluster * size_t(k)));
  // Blocks end after `block` points or a value span of `span`, whichever
  // comes first: sparse tails keep every point, where one boundary's place
  // matters most.
  const double span = (x.back() - x.front()) / double(kBlocksPerCluster * size_t(k));
  std::vector<uint32_t> coarse{0};
  for (size_t i = 1, start = 0; i < n; ++i)
    if (i - start >= block || x[i] - x[start] > span) {
      coarse.push_back(uint32_t(i));
      start = i;
    }
  coarse.push_back(uint32_t(n));
  if (coarse.size() <= size_t(k) + 1)
    return layeredBoundaries(p, k, KMeansSearch::Exact);
  std::vector<uint32_t> bounds;
  for (uint32_t i : layeredBoundaries(Prefix(p, coarse), k, KMeansSearch::Exact))
    bounds.push_back(coarse[i]);
  for (size_t reach = 2 * block; reach < n; reach *= 4) {
    std::vector<uint32_t> lo(k), hi(k);
    for (int l = 1; l < k; ++l) {
      lo[l] = uint32_t(bounds[l] > reach ? bounds[l] - reach : 1);
      hi[l] = uint32_t(std::min(n - 1, size_t(bounds[l]) + reach));
    }
    std::vector<uint32_t> b = windowedBoundaries(p, k, lo, hi);
    if (b.empty())
      break;
    // A boundary on its window's edge may be held back by the window:
    // widen and solve again.
    bool pressed = false;
    for (int l = 1; l < k; ++l)
      pressed |= (b[l] == lo[l] && lo[l] > 1) || (b[l] == hi[l] && hi[l] < n - 1);
    bounds = b;
    if (!pressed)
      return bounds;
  }
  return layeredBoundaries(p, k, KMeansSearch::Exact);
}

} // namespace

std::vector<double> anec::compression::optimalKMeans1D(const std::vector<double> &x,
                                                       const std::vector<double> &w, int k,
                                                       KMeansSearch search) {
  size_t n = x.size();
  if (n == 0)
    return {};
  if ((size_t)k >= n)
    return x;
  Prefix p(x, w);
  // Coarse to fine where the points are many for the clusters.
  if (search == KMeansSearch::CoarseToFine ||
      (search == KMeansSearch::Auto && n >= 64 * size_t(k) && n >= 1024)) {
    std::vector<uint32_t> b = coarseToFineBoundaries(p, x, k);
    std::vector<double> centroids(k);
    for (int l = 0; l < k; ++l)
      centroids[l] = p.mean(b[l], b[l + 1]);
    return centroids;
  }
  std::vector<uint32_t> b = layeredBoundaries(p, k, search);
  std::vector<double> centroids(k);
  for (int l = 0; l < k; ++l)
    centroids[l] = p.mean(b[l], b[l + 1]);
  return centroids;
}

double anec::compression::quantizationError(const std::vector<double> &x,
                                            const std::vector<double> &w,
                                            const std::vector<double> &centroids) {
  double error = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    auto it = std::lower_bound(centroids.begin(), centroids.end(), x[i]);
    double best = std::numeric_limits<double>::infinity();
    if (it != centroids.end())
      best = std::min(best, std::fabs(*it - x[i]));
    if (it != centroids.begin())
      best = std::min(best, std::fabs(*(it - 1) - x[i]));
    error += w[i] * best * best;
  }
  return error;
}
