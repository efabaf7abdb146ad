//===- SplitAttention.cpp - attention in the form the ANE runs ------------===//
//
// scaled_dot_product_attention(q, k, v, mask) becomes, per head (or per
// group of `heads-per-chunk` heads):
//   softmax(matmul(q_h · 1/sqrt(E), k_h, transpose_y) + mask) · v_h
// and the heads are concatenated again. The ANE ignores SDPA's attn_mask
// (ane-constraints.md), so the mask is an explicit add before the softmax;
// a bool mask becomes an additive one (0 where true, −1e4 where false).
//
// Grouped-query attention built as keys and values tiled to every query head
// (reshape to [.., KV, 1, S, E], tile by the group size, reshape to
// [.., KV * g, S, E]) is split without the tiled copy: the heads of one
// group slice their key and value from the untiled [.., KV, S, E], and the
// matmuls broadcast them over the group's heads. At long contexts the tiled
// cache is the largest tensor of the layer (32 MiB at 8192 positions for
// Llama-3.2-1B); the tile is then dead.
//
//===----------------------------------------------------------------------===//
#include "passes/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace anec {
#define GEN_PASS_DEF_SPLITATTENTION
#include "passes/Passes.h.inc"
} // namespace anec

using namespace mlir;
using namespace anec;
using namespace anec::mil;

namespace {

/// `x` = reshape(tile(reshape(src))) repeating each of src's heads g times
/// (heads on axis rank - 3): returns src and g.
std::optional<std::pair<Value, int64_t>> untiledHeads(Value x) {
  auto outer = x.getDefiningOp<ReshapeOp>();
  auto tile = outer ? outer.getX().getDefiningOp<TileOp>() : TileOp();
  auto inner = tile ? tile.getX().getDefiningOp<ReshapeOp>() : ReshapeOp();
  if (!inner)
    return std::nullopt;
  auto src = cast<RankedTensorType>(inner.getX().getType());
  auto mid = cast<RankedTensorType>(inner.getType());
  auto out = cast<RankedTensorType>(outer.getType());
  int64_t rank = src.getRank();
  if (rank < 3 || mid.getRank() != rank + 1 || out.getRank() != rank)
    return std::nullopt;
  // [..., KV, S, E] -> [..., KV, 1, S, E], tiled [1.., 1, g, 1, 1].
  SmallVector<int64_t> expect(src.getShape());
  expect.insert(expect.begin() + (rank - 2), 1);
  if (mid.getShape() != ArrayRef<int64_t>(expect))
    return std::nullopt;
  ArrayRef<int64_t> reps = tile.getReps();
  int64_t g = reps[rank - 2];
  for (int64_t i = 0; i < rank + 1; ++i)
    if (i != rank - 2 && reps[i] != 1)
      return std::nullopt;
  SmallVector<int64_t> merged(src.getShape());
  merged[rank - 3] *= g;
  if (out.getShape() != ArrayRef<int64_t>(merged) || g < 1)
    return std::nullopt;
  return std::make_pair(inner.getX(), g);
}

struct SplitSdpa : OpRewritePattern<ScaledDotProductAttentionOp> {
  SplitSdpa(MLIRContext *ctx, int64_t headsPerChunk, llvm::Statistic &count)
      : OpRewritePattern(ctx), headsPerChunk(headsPerChunk), count(count) {}

  LogicalResult matchAndRewrite(ScaledDotProductAttentionOp op,
                                PatternRewriter &b) const override {
    Location loc = op.getLoc();
    auto qt = op.getQuery().getType(), kt = op.getKey().getType(), vt = op.getValue().getType();
    int64_t rank = qt.getRank();
    Type element = qt.getElementType();
    int64_t heads = rank >= 4 ? qt.getDimSize(rank - 3) : 1;
    int64_t chunk = std::max<int64_t>(1, std::min(headsPerChunk, heads));
    if (heads % chunk != 0)
      return b.notifyMatchFailure(op, "heads-per-chunk does not divide the head count");
    int64_t e = qt.getShape().back();
    Value mask = op.getAttnMask();
    if (mask && cast<RankedTensorType>(mask.getType()).getElementType().isInteger(1)) {
      // true keeps: (cast(mask) − 1) · 1e4 is 0 or −1e4.
      Value m = b.create<CastOp>(loc, mask, b.getStringAttr(getMilTypeName(element)));
      m = b.create<SubOp>(loc, m, createScalarConstant(b, loc, element, 1.0));
      mask = b.create<MulOp>(loc, m, createScalarConstant(b, loc, element, 1e4));
    }
    Value scale = createScalarConstant(b, loc, element, 1.0 / std::sqrt((double)e));
    auto slice = [&](Value x, RankedTensorType t, int64_t h) -> Value {
      if (chunk == heads)
        return x;
      SmallVector<int64_t> begin(rank, 0), size(t.getShape());
      begin[rank - 3] = h;
      size[rank - 3] = chunk;
      return b.create<SliceBySizeOp>(loc, x, begin, size);
    };
    // Keys and values tiled over groups of query heads: a chunk inside one
    // group reads its group's head, broadcast by the matmuls.
    auto grouped = [&](Value x, RankedTensorType t, int64_t h) -> Value {
      auto untiled = untiledHeads(x);
      if (!untiled || chunk == heads || untiled->second % chunk != 0)
        return slice(x, t, h);
      auto st = cast<RankedTensorType>(untiled->first.getType());
      SmallVector<int64_t> begin(rank, 0), size(st.getShape());
      begin[rank - 3] = h / untiled->second;
      size[rank - 3] = 1;
      return b.create<SliceBySizeOp>(loc, untiled->first, begin, size);
    };
    SmallVector<Value> outs;
    for (int64_t h = 0; h < heads; h += chunk) {
      Value q = b.create<MulOp>(loc, slice(op.getQuery(), qt, h), scale);
      Value k = grouped(op.getKey(), kt, h);
      Value v = grouped(op.getValue(), vt, h);
      Value scores = b.create<MatmulOp>(loc, q, k, /*transpose_x=*/false, /*transpose_y=*/true);
      if (mask)
        scores = b.create<AddOp>(loc, scores, mask);
      Value p = b.create<SoftmaxOp>(loc, scores, -1);
      outs.push_back(b.create<MatmulOp>(loc, p, v, false, false));
    }
    Value result = outs.size() == 1 ? outs[0]
                                    : b.create<ConcatOp>(loc, outs, rank - 3, false).getResult();
    b.replaceOp(op, result);
    ++count;
    return success();
  }

  int64_t headsPerChunk;
  llvm::Statistic &count;
};

struct SplitAttentionPass : anec::impl::SplitAttentionBase<SplitAttentionPass> {
  using SplitAttentionBase::SplitAttentionBase;
  void runOnOperation() override {
    // The greedy driver visits every op; a function without attention (a
    // long chain of other ops) has nothing for it.
    if (!getOperation()->walk([](ScaledDotProductAttentionOp) { return WalkResult::interrupt(); })
             .wasInterrupted())
      return markAllAnalysesPreserved();
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitSdpa>(&getContext(), headsPerChunk, numSplit);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
