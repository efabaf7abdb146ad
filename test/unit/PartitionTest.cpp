//===- PartitionTest.cpp - targets, cost model and assignment by hand -----===//
#include "lib/Partition/Assign.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace anec::partition;

namespace {

Target m4() {
  absl::StatusOr<Target> t = loadTarget("m4");
  EXPECT_TRUE(t.ok()) << t.status().message();
  return *t;
}

TEST(Partition, EveryBuiltinTargetLoads) {
  std::vector<std::string> keys = builtinTargets();
  EXPECT_GE(keys.size(), 6u);
  for (const std::string &k : keys) {
    absl::StatusOr<Target> t = loadTarget(k);
    ASSERT_TRUE(t.ok()) << k << ": " << t.status().message();
    EXPECT_GT(t->ane.weightBandwidthGBs, 0);
  }
}

TEST(Partition, BadTargetsAreErrorsNamingTheField) {
  EXPECT_EQ(loadTarget("m99").status().message().substr(0, 20), "unknown target 'm99'");
  auto t = parseTarget("{", "t.json");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("t.json: not valid JSON"), std::string::npos);
  t = parseTarget(R"({"name": "x", "gpu": {}, "cpu": {}, "transfer": {}})", "t.json");
  EXPECT_EQ(t.status().message(), "t.json: missing the 'ane' section");
  t = parseTarget(
      R"({"name": "x", "ane": {"fp16_tflops": -1}, "gpu": {}, "cpu": {}, "transfer": {}})",
      "t.json");
  EXPECT_EQ(t.status().message(), "t.json: ane.fp16_tflops must be in (0, 10000], got -1");
}

// Hand-computed rooflines on M4's figures (targets/m4.json).
TEST(Partition, CostModelMatchesHandComputedRooflines) {
  Target t = m4();
  // 65 MB working set: past the 32 MiB SRAM, so the ANE runs at 0.70 of
  // 18.8 TFLOPS and streams activations too; memory bound everywhere but
  // the CPU.
  OpWork big{2e9, 1e6, 64e6};
  EXPECT_NEAR(opMs(t, Unit::ANE, big), (64e6 + 1e6) / 64e9 * 1e3, 1e-9);      // 1.015625
  EXPECT_NEAR(opMs(t, Unit::GPU, big), (64e6 + 1e6) / 120e9 * 1e3, 1e-9);     // 0.541667
  EXPECT_NEAR(opMs(t, Unit::CPU, big), 2e9 / 450e9 * 1e3, 1e-9);              // 4.444444
  // Fits the SRAM: compute bound on the ANE at full rate.
  OpWork small{1e9, 1e6, 1e6};
  EXPECT_NEAR(opMs(t, Unit::ANE, small), 1e9 / 18.8e12 * 1e3, 1e-12);        // 0.053191
  EXPECT_NEAR(transferMs(t, 1e6), 0.05 + 1e6 / 120e9 * 1e3, 1e-12);          // 0.058333
  EXPECT_EQ(dispatchMs(t, Unit::ANE), 0.095);
}

Program blockWithOneGap(double liveBytes) {
  // Five ops; the middle one cannot run on the ANE.
  Program p;
  for (int i = 0; i < 5; ++i)
    p.opMs.push_back({i == 2 ? INFINITY : 1.0, 1.2, 10.0});
  p.liveBytesAfter.assign(4, liveBytes);
  return p;
}

// One unsupported op in a block: with 100 MB crossing each boundary, moving
// its neighbours (all on the GPU: 0.03 + 5 x 1.2 = 6.03 ms) beats two
// crossings (ANE, GPU, ANE: 7.19 ms), which a per-op choice would make.
TEST(Partition, OneGapMovesItsNeighboursWhenCrossingsCostMore) {
  Target t = m4();
  Program p = blockWithOneGap(100e6);
  Assignment best = assignUnits(t, p);
  ASSERT_EQ(best.units.size(), 5u);
  EXPECT_EQ(best.segments, 1);
  for (Unit u : best.units)
    EXPECT_EQ(u, Unit::GPU);
  EXPECT_NEAR(best.ms, 0.03 + 5 * 1.2, 1e-9);
  Assignment greedy =
      evaluate(t, p, {Unit::ANE, Unit::ANE, Unit::GPU, Unit::ANE, Unit::ANE});
  EXPECT_EQ(greedy.segments, 3);
  double crossing = 0.05 + 100e6 / 120e9 * 1e3;
  EXPECT_NEAR(greedy.ms, 0.095 + 2 + crossing + 0.03 + 1.2 + crossing + 0.095 + 2, 1e-9);
  EXPECT_LT(best.ms, greedy.ms);
}

// With almost nothing live across the boundaries, the split is cheaper.
TEST(Partition, CheapCrossingsSplitTheBlock) {
  Target t = m4();
  Assignment best = assignUnits(t, blockWithOneGap(0));
  EXPECT_EQ(best.segments, 3);
  EXPECT_EQ(best.units[2], Unit::GPU);
  EXPECT_EQ(best.units[0], Unit::ANE);
  EXPECT_NEAR(best.ms, 0.095 + 2 + 0.05 + 0.03 + 1.2 + 0.05 + 0.095 + 2, 1e-9);
}

// The dynamic program is exact: it matches enumeration of every assignment.
TEST(Partition, AssignmentIsOptimalByEnumeration) {
  Target t = m4();
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> ms(0.01, 2.0), bytes(0, 50e6);
  for (int trial = 0; trial < 50; ++trial) {
    Program p;
    int n = 6;
    for (int i = 0; i < n; ++i) {
      std::array<double, kNumUnits> c = {ms(rng), ms(rng), ms(rng)};
      if (rng() % 4 == 0)
        c[0] = INFINITY;
      p.opMs.push_back(c);
    }
    for (int i = 0; i + 1 < n; ++i)
      p.liveBytesAfter.push_back(bytes(rng));
    double best = INFINITY;
    for (int code = 0; code < 729; ++code) {
      std::vector<Unit> units;
      for (int i = 0, c = code; i < n; ++i, c /= 3)
        units.push_back((Unit)(c % 3));
      best = std::min(best, evaluate(t, p, units).ms);
    }
    EXPECT_NEAR(assignUnits(t, p).ms, best, 1e-9) << "trial " << trial;
  }
}

} // namespace
