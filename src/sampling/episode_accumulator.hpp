#pragma once
// Internal: one episode's estimate Σ_t ψ_t (F_t + c_t) (+ R Σ_t ψ_t), accumulated step by step.

#include <cstddef>
#include <vector>

#include "pgtruth/sampling/estimators.hpp"
#include "pgtruth/sampling/statistics.hpp"

namespace pgtruth::detail {

/// Accumulates the weighted scores of ScoreWeights along an episode in memory independent of
/// its length. The future sums F_t = Σ_{k ≥ t} c^(k−t) w_k are formed by blocks of kBlock
/// steps: within a block backwards; across blocks through a trace E = Σ_{t < s} c^(s−t) ψ_t of
/// the earlier blocks' scores, decayed to the block's start s, which the block's weights
/// W = Σ_{k ≥ s} c^(k−s) w_k multiply (an eligibility trace updated once per block).
///
/// `Record` holds what a step's score is made from; add_score(record, w, out) adds w ψ to out.
template <class Record, class AddScore>
class EpisodeAccumulator {
 public:
  static constexpr std::size_t kBlock = 1024;

  EpisodeAccumulator(const ScoreWeights& weights, Eigen::Index dim, AddScore add_score)
      : weights_(weights), add_score_(add_score), trace_(weights.future ? dim : 0),
        whole_score_(weights.whole_return ? dim : 0) {
    if (weights.future) block_.resize(kBlock);
  }

  /// Starts an episode (also after one that ended by an exception).
  void start() {
    used_ = 0;
    trace_.clear();
    whole_score_.clear();
    whole_return_ = 0.0;
    trace_active_ = false;
  }

  /// Step t of the episode: its immediate terms go to `out` now, its future terms when the block closes.
  void step(const Record& record, const StepValues& values, SparseEstimate& out) {
    if (const double c = weights_.immediate_weight(values); c != 0.0) add_score_(record, c, out);
    if (weights_.whole_return) add_score_(record, 1.0, whole_score_), whole_return_ += values.reward;
    if (weights_.future) {
      Entry& e = block_[used_++];
      e.record = record;
      e.weight = weights_.future_weight(values);
      if (used_ == kBlock) close_block(out, false);
    }
  }

  /// Ends the episode: adds its remaining terms to `out` and starts afresh.
  void finish(SparseEstimate& out) {
    if (weights_.future) close_block(out, true);
    if (weights_.whole_return) {
      for (const Eigen::Index j : whole_score_.support) out.add(j, whole_return_ * whole_score_.values(j));
      whole_score_.clear();
      whole_return_ = 0.0;
    }
    trace_.clear();
    trace_active_ = false;
  }

 private:
  struct Entry {
    Record record{};
    double weight = 0;
  };

  void close_block(SparseEstimate& out, bool last) {
    const double c = weights_.decay;
    if (trace_active_) {  // the block's weights reach the scores of earlier blocks through the trace
      double W = 0.0, power = 1.0;
      for (std::size_t t = 0; t < used_; ++t) W += power * block_[t].weight, power *= c;
      for (const Eigen::Index j : trace_.support) out.add(j, W * trace_.values(j));
    }
    const bool carry = !last && c != 0.0;
    if (carry && c != 1.0) {  // E decays over the block: E ← c^L E
      double decay = 1.0;
      for (std::size_t t = 0; t < used_; ++t) decay *= c;
      for (const Eigen::Index j : trace_.support) trace_.values(j) *= decay;
    }
    double F = 0.0, to_end = c;  // to_end = c^(s_end − t)
    for (std::size_t t = used_; t-- > 0;) {
      F = block_[t].weight + c * F;
      add_score_(block_[t].record, F, out);
      if (carry) add_score_(block_[t].record, to_end, trace_), to_end *= c;
    }
    trace_active_ = carry;
    used_ = 0;
  }

  ScoreWeights weights_;
  AddScore add_score_;
  SparseEstimate trace_, whole_score_;
  std::vector<Entry> block_;
  std::size_t used_ = 0;
  double whole_return_ = 0.0;
  bool trace_active_ = false;
};

}  // namespace pgtruth::detail
