#pragma once
// A program run as a child process, with a time limit and, optionally, a limit on its address
// space, for tests that must see a crash, a signal or a hang as an outcome rather than suffer it.
#include <string>
#include <vector>

namespace pgtruth::test {

struct ProcessResult {
  int exit_code = -1;     ///< when it exited
  int signal = 0;         ///< the signal that ended it, when one did
  bool timed_out = false; ///< killed (SIGKILL) at the time limit
  double seconds = 0;
  std::string out, err;
};

/// Runs `program ARGS...` (no shell), stdout and stderr to files under `scratch_stem`, for at
/// most `seconds`; with address_space_bytes > 0, under RLIMIT_AS of that size (an allocation
/// beyond it fails as std::bad_alloc would on a machine of that size).
ProcessResult run_process(const std::string& program, const std::vector<std::string>& args, double seconds,
                          const std::string& scratch_stem, long long address_space_bytes = 0);

}  // namespace pgtruth::test
