//===- KMeans1D.h - globally optimal 1-D k-means over weighted values -----===//
#ifndef ANEC_LIB_COMPRESSION_KMEANS1D_H
#define ANEC_LIB_COMPRESSION_KMEANS1D_H

#include <cstdint>
#include <vector>

namespace anec::compression {

/// How each DP layer finds its optimal splits; all give the optimum.
enum class KMeansSearch { Auto, DivideAndConquer, Knuth, Smawk };

/// The k centroids minimizing Σ w_i (x_i − c(x_i))² over sorted distinct
/// values `x` with weights `w` (counts), exactly: dynamic programming over
/// the sorted values, each layer computed on the monotone optimal split
/// points (divide and conquer, O(k · n · log n), or Knuth's bounds for many
/// clusters). Fewer distinct values than k give each value its own
/// centroid. Centroids are returned sorted.
std::vector<double> optimalKMeans1D(const std::vector<double> &x, const std::vector<double> &w,
                                    int k, KMeansSearch search = KMeansSearch::Auto);

/// The weighted squared error of assigning each x to its nearest centroid.
double quantizationError(const std::vector<double> &x, const std::vector<double> &w,
                         const std::vector<double> &centroids);

} // namespace anec::compression

#endif // ANEC_LIB_COMPRESSION_KMEANS1D_H
