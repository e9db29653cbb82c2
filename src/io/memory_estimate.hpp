#pragma once
// Internal: the memory a problem needs, estimated from its sizes before any of it is
// allocated, and the refusal of a problem whose estimate exceeds the limit (memory_limit.hpp).

#include <string>

#include "io/json_node.hpp"
#include "pgtruth/memory_limit.hpp"

namespace pgtruth::detail {

/// The sizes that decide a finite problem's memory. Doubles, because a product of counts from
/// a small file (10^8 states x 10^6 actions x 10^8 successors) exceeds every integer type.
struct FiniteSize {
  double states = 0;
  double actions = 0;
  double outcomes = 0;           ///< (s, a, s') of positive probability: the transition table
  double successor_pairs = 0;    ///< distinct (s, s') over all actions: the nonzeros of P_pi
  double features = 0;           ///< linear features per (s, a); 0 for a tabular or direct policy
  bool softmax_tabular = false;  ///< a Fisher block of A x A per state
};

/// Bytes to hold a finite problem and to solve it for every key of `pgtruth solve`.
double finite_memory_bytes(const FiniteSize& size);

/// Bytes to hold and solve an LQG problem of n states and m controls.
double lqg_memory_bytes(double n, double m);

/// Bytes to read a problem file of `file_bytes` into memory and parse it.
double json_memory_bytes(double file_bytes);

/// "812 MiB", "2.9 GiB", "7.1 PiB": a figure for people, in powers of 1024.
std::string format_bytes(double bytes);

/// Throws InputError at `where` when `bytes` exceeds the limit, naming both figures and what
/// the estimate is of (`what`, e.g. "10^8 states x 2 actions").
void require_memory(const std::string& where, double bytes, const std::string& what, const MemoryLimit& limit);

}  // namespace pgtruth::detail
