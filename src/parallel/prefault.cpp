#include "parallel/prefault.hpp"

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
  split_in_two(second_core, static_cast<std::int64_t>(end - first), [&](int, std::int64_t from, std::int64_t to) {
    if (to > from)
      madvise(reinterpret_cast<void*>((first + static_cast<std::uintptr_t>(from)) * page),
              static_cast<std::size_t>(to - from) * page, MADV_POPULATE_WRITE);
  });
#else
  (void)second_core, (void)begin, (void)bytes;
#endif
}

}  // namespace pgtruth::detail
