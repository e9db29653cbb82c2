#pragma once
/// \file
/// The memory a problem may take. load_problem() turns a problem's sizes (its counts, or a
/// generator's parameters) into an estimate of the memory that holding and solving it needs,
/// and refuses the problem, before any of it is allocated, when the estimate exceeds the limit.

#include <string>

namespace pgtruth {

/// The memory this process can have: the physical memory, or less where a cgroup
/// (memory.max) or an address-space limit (RLIMIT_AS) caps it; in bytes.
double machine_memory_bytes();

struct MemoryLimit {
  double bytes = 0;     ///< 0: machine_memory_bytes()
  /// How the limit was set, for the refusal: "this machine's memory", "--memory-limit 2G".
  std::string origin;

  /// The limit in bytes, the machine's memory when none was set.
  double resolved_bytes() const { return bytes > 0 ? bytes : machine_memory_bytes(); }
};

}  // namespace pgtruth
