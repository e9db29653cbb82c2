#include "prefault.hpp"

#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace pgtruth::detail {

void prefault(SecondCore& second_core, void* begin, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
  // madvise works on whole pages: the pages wholly inside the buffer (the partial ones at the
  // ends are a buffer's neighbours' too, and fault as usual).
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto first = (reinterpret_cast<std::uintptr_t>(begin) + page - 1) / page;
  const auto end = (reinterpret_cast<std::uintptr_t>(begin) + bytes) / page;
  if (end <= first) return;
  const std::uintptr_t middle = first + (end - first) / 2;
  second_core.run_both([&](int half) {
    const std::uintptr_t from = half ? middle : first, to = half ? end : middle;
    if (to > from) madvise(reinterpret_cast<void*>(from * page), (to - from) * page, MADV_POPULATE_WRITE);
  });
#else
  (void)second_core, (void)begin, (void)bytes;
#endif
}

}  // namespace pgtruth::detail
