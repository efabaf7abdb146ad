//===- KMeans1D.h - globally optimal 1-D k-means over weighted values -----===//
#ifndef ANEC_LIB_COMPRESSION_KMEANS1D_H
#define ANEC_LIB_COMPRESSION_KMEANS1D_H

#include <cstdint>
#include <vector>

namespace anec::compression {

/// The k centroids minimizing Σ w_i (x_i − c(x_i))² over sorted distinct
/// values `x` with weights `w` (counts), exactly: dynamic programming over
/// the sorted values, each layer computed by divide and conquer on the
/// monotone optimal split points (O(k · n · log n)). Fewer distinct values
/// than k give each value its own centroid. Centroids are returned sorted.
std::vector<double> optimalKMeans1D(const std::vector<double> &x, const std::vector<double> &w,
                                    int k);

/// The weighted squared error of assigning each x to its nearest centroid.
double quantizationError(const std::vector<double> &x, const std::vector<double> &w,
                         const std::vector<double> &centroids);

} // namespace anec::compression

#endif // ANEC_LIB_COMPRESSION_KMEANS1D_H
