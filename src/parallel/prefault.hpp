#pragma once
// Internal: the first touch of large buffers, from both cores.
//
// Writing to a page of fresh memory costs a page fault, 1.5 to 2 microseconds on the virtual
// machine we measure on (the time to compute with a kilobyte of data); filling a 20 MB buffer
// takes 10 ms of faults alone. The kernel takes faults on two cores at once (20 MB: 10 ms on
// one thread, 5 ms on two), so a buffer that one thread is about to fill is made present first
// by the two threads of a SecondCore, a half each.
#include <cstddef>
#include <vector>

#include "parallel/second_core.hpp"

namespace pgtruth::detail {

/// Makes the pages within [begin, begin + bytes) present and writable, the two halves by the
/// two tasks of a pair on `second_core` (Linux's madvise MADV_POPULATE_WRITE; the contents stay
/// as they are). Does nothing where the kernel does not offer it: the pages then fault when
/// first written, as without this call.
void prefault(SecondCore& second_core, void* begin, std::size_t bytes);

/// v.reserve(n), with the pages of the reserved storage made present by prefault().
template <class T>
void reserve_prefaulted(SecondCore& second_core, std::vector<T>& v, std::size_t n) {
  v.reserve(n);
  if (second_core.has_helper()) prefault(second_core, v.data(), v.capacity() * sizeof(T));
}

}  // namespace pgtruth::detail
