#pragma once
/// \file
/// The `threads` option of solve and check: 0 runs on every core
/// (std::thread::hardware_concurrency()), 1 on the calling thread alone, n on at most n threads.
/// Results are the same bits for any value.

namespace pgtruth {

/// The largest `threads` option accepted.
inline constexpr int kMaxThreads = 1024;

}  // namespace pgtruth
