// The memory this process can have (pgtruth/memory_limit.hpp).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "pgtruth/memory_limit.hpp"

namespace pgtruth {
namespace {

/// The number in a one-line file such as a cgroup's memory.max; 0 when it is absent or
/// not a number ("max": no limit).
double number_in_file(const char* path) {
  std::ifstream in(path);
  double value = 0;
  return in >> value ? value : 0;
}

}  // namespace

double machine_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGE_SIZE);
  double bytes = pages > 0 && page_size > 0 ? static_cast<double>(pages) * static_cast<double>(page_size) : 0;
  const auto cap = [&](double limit) {
    if (limit > 0) bytes = bytes > 0 ? std::min(bytes, limit) : limit;
  };
  cap(number_in_file("/sys/fs/cgroup/memory.max"));                    // cgroup v2
  cap(number_in_file("/sys/fs/cgroup/memory/memory.limit_in_bytes"));  // cgroup v1
  if (rlimit as{}; getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY)
    cap(static_cast<double>(as.rlim_cur));
  return bytes > 0 ? bytes : 1e18;  // unknown: no limit but the allocator's
}

}  // namespace pgtruth
