//===- Pipeline.cpp - the ANE pass pipeline, assembled in one place ---------===//
#include "passes/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void anec::buildAnePipeline(OpPassManager &pm,
                            const AnePipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(createComputeInFp16());
  pm.addPass(createCanonicalizerPass());
  RmsNormToLayerNormOptions norm;
  norm.overflowSafe = options.overflowSafeNorm;
  pm.addNestedPass<func::FuncOp>(createRmsNormToLayerNorm(norm));
  SplitAttentionOptions attention;
  attention.headsPerChunk = options.headsPerChunk;
  pm.addNestedPass<func::FuncOp>(createSplitAttention(attention));
  LimitDimensionsOptions dims;
  dims.maxDim = options.maxDim;
  dims.alignBytes = options.alignBytes;
  pm.addNestedPass<func::FuncOp>(createLimitDimensions(dims));
  pm.addNestedPass<func::FuncOp>(createLinearToConv());
  pm.addNestedPass<func::FuncOp>(createChannelsFirst());
  AttentionChannelsFirstOptions heads;
  heads.kvLayout = options.kvLayout;
  heads.alignBytes = options.alignBytes;
  pm.addPass(createAttentionChannelsFirst(heads));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.alignBytes > 0) {
    AlignLastAxisOptions align;
    align.alignBytes = options.alignBytes;
    pm.addNestedPass<func::FuncOp>(createAlignLastAxis(align));
    pm.addPass(createCSEPass());
  }
}

void anec::registerAllPasses() {
  registerAnecPasses();
  PassPipelineRegistration<AnePipelineOptions>(
      "anec-ane-pipeline",
      "Make a mil program ANE-friendly (the passes that have landed, in order)",
      buildAnePipeline);
}
