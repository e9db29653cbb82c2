#pragma once
// Internal: the OpenMP threads of one call, which Eigen's large dense products use.
#include <omp.h>

namespace pgtruth::detail {

/// Sets the calling thread's OpenMP thread count (omp_set_num_threads; Eigen's products read it
/// through omp_get_max_threads) to `threads` while this object lives, then restores the previous
/// count. The setting belongs to the calling thread: calls on other threads are unaffected.
class OpenMpThreads {
 public:
  explicit OpenMpThreads(int threads) : previous_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~OpenMpThreads() { omp_set_num_threads(previous_); }
  OpenMpThreads(const OpenMpThreads&) = delete;
  OpenMpThreads& operator=(const OpenMpThreads&) = delete;

 private:
  int previous_;
};

}  // namespace pgtruth::detail
