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
/// value in `best`: the inner loop of every search. The costs of the window
/// are computed first into `scratch` (contiguous loads and one division per
/// j, which the compiler vectorizes: AVX-512 and AVX2 clones are chosen at
/// run time), then scanned for the minimum.
__attribute__((target_clones("avx512f", "avx2", "default"))) size_t
bestSplit(const double *prev, const double *w, const double *wx, const double *wxx, size_t i,
          size_t from, size_t to, double *scratch, double &best) {
  const double wi = w[i], wxi = wx[i], wxxi = wxx[i];
  const size_t len = to - from + 1;
  const double *pw = w + from, *pwx = wx + from, *pwxx = wxx + from, *pprev = prev + from;
  for (size_t t = 0; t < len; ++t) {
    double sw = wi - pw[t], sx = wxi - pwx[t];
    scratch[t] = pprev[t] + (wxxi - pwxx[t]) - sx * sx / sw;
  }
  double bestValue = std::numeric_limits<double>::infinity();
  size_t bestT = 0;
  for (size_t t = 0; t < len; ++t)
    if (scratch[t] <= bestValue) {
      bestValue = scratch[t];
      bestT = t;
    }
  best = bestValue;
  return from + bestT;
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

std::vector<double> anec::compression::optimalKMeans1D(const std::vector<double> &x,
                                                       const std::vector<double> &w, int k,
                                                       KMeansSearch search) {
  size_t n = x.size();
  if (n == 0)
    return {};
  if ((size_t)k >= n)
    return x;
  Prefix p(x, w);
  const double inf = std::numeric_limits<double>::infinity();
  // prev[i]: best cost of the first i values in (layer) clusters.
  std::vector<double> prev(n + 1, inf), cur(n + 1, inf);
  std::vector<std::vector<uint32_t>> split(k, std::vector<uint32_t>(n + 1, 0));
  for (size_t i = 1; i <= n; ++i)
    prev[i] = p.cost(0, i);
  prev[0] = 0;
  // The interval cost is Monge, so with the largest optimal split kept
  // everywhere, split[l][i] <= split[l][i+1] and (Knuth) split[l-1][i] <=
  // split[l][i]. Three searches, each exact; which is fastest depends on k
  // (measured on 32 groups of 8 x 2048 fp16 values, ~8000 distinct each,
  // one thread, 4/6/8 bits): divide and conquer over i on the first bound,
  // O(n log n) a layer (0.17 / 2.20 / 2.80 s); SMAWK on the totally
  // monotone layer matrix, O(n) a layer (0.22 / 0.95 / 3.64 s); a downward
  // scan within both bounds, short windows when clusters are many
  // (2.8 s at 8 bits). Auto takes the best of each.
  if (search == KMeansSearch::Auto)
    search = k <= 16   ? KMeansSearch::DivideAndConquer
             : k <= 64 ? KMeansSearch::Smawk
                       : KMeansSearch::Knuth;
  for (size_t i = 0; i <= n; ++i)
    split[0][i] = 0;
  std::vector<double> scratch(n + 1);
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
      size_t bestJ = bestSplit(prev.data(), p.w.data(), p.wx.data(), p.wxx.data(), i, from, to,
                               scratch.data(), cur[i]);
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
  std::vector<double> centroids(k);
  size_t end = n;
  for (int layer = k - 1; layer >= 0; --layer) {
    size_t begin = layer == 0 ? 0 : split[layer][end];
    centroids[layer] = p.mean(begin, end);
    end = begin;
  }
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
