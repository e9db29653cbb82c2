// prefault() (src/parallel/prefault.hpp) makes the whole pages of a buffer present, from both cores,
// without changing what the buffer holds; it leaves the partial pages at its ends alone.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "parallel/prefault.hpp"
#include "parallel/second_core.hpp"

#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>

namespace {

/// Which of the `pages` pages from `base` are resident (mincore).
std::vector<bool> resident(void* base, std::size_t pages) {
  std::vector<unsigned char> in_core(pages);
  REQUIRE(mincore(base, pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)), in_core.data()) == 0);
  std::vector<bool> out(pages);
  for (std::size_t i = 0; i < pages; ++i) out[i] = (in_core[i] & 1) != 0;
  return out;
}

}  // namespace

TEST_CASE("prefault: the whole pages of a buffer become present, the partial ones at its ends do not") {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t pages = 64;
  for (const bool helper : {true, false}) {
    CAPTURE(helper);
    pgtruth::detail::SecondCore second_core(helper);
    void* region = mmap(nullptr, pages * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(region != MAP_FAILED);
    auto* base = static_cast<char*>(region);
    REQUIRE(resident(base, pages) == std::vector<bool>(pages, false));  // fresh memory: nothing yet
    // A buffer from the middle of page 1 to the middle of page 60: pages 2 to 59 are wholly in it.
    pgtruth::detail::prefault(second_core, base + page + page / 2, 59 * page);
    const std::vector<bool> present = resident(base, pages);
    if (madvise(base, page, MADV_POPULATE_WRITE) != 0) {  // a kernel before Linux 5.14: nothing to check
      MESSAGE("MADV_POPULATE_WRITE not offered by this kernel");
    } else {
      for (std::size_t i = 0; i < pages; ++i) {
        CAPTURE(i);
        CHECK(present[i] == (i >= 2 && i <= 59));
      }
    }
    munmap(region, pages * page);
  }
}
#endif

TEST_CASE("prefault: what a buffer holds is unchanged, whatever its size and alignment") {
  pgtruth::detail::SecondCore second_core;
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{4095}, std::size_t{4096 * 3 + 7},
                                 std::size_t{1} << 20}) {
    CAPTURE(size);
    std::vector<unsigned char> buffer(size + 1);
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<unsigned char>(i * 7 + 3);
    const std::vector<unsigned char> before = buffer;
    pgtruth::detail::prefault(second_core, buffer.data() + 1, size);  // an unaligned start
    CHECK(buffer == before);
  }
  std::vector<double> reserved;
  pgtruth::detail::reserve_prefaulted(second_core, reserved, 100000);
  CHECK(reserved.empty());
  CHECK(reserved.capacity() >= 100000);
}
