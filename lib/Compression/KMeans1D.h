//===- KMeans1D.h - globally optimal 1-D k-means over weighted values -----===//
#ifndef ANEC_LIB_COMPRESSION_KMEANS1D_H
#define ANEC_LIB_COMPRESSION_KMEANS1D_H

#include <cstdint>
#include <vector>

namespace anec::compression {

/// How the clusters are searched. DivideAndConquer, Knuth and Smawk run the
/// exact program over every point (each layer's optimal splits found three
/// ways); CoarseToFine runs it over block edges, then over the points near
/// the boundaries found, widening until no boundary presses against its
/// window (the full program as a last resort). Auto: coarse to fine for
/// many points a cluster (at least 64, and 2048 points), else the fastest
/// exact search for k.
/// Exact: the fastest exact search for k.
enum class KMeansSearch { Auto, Exact, DivideAndConquer, Knuth, Smawk, CoarseToFine };

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
