#pragma once
// Progress of a long run, as lines on a stream (stderr): every `interval` seconds, whether or
// not the stream is a terminal, the batches done, their rate and the expected end.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace pgtruth::cli {

class ProgressReport {
 public:
  /// Lines go to `out` every `interval_seconds` (from a thread of its own, so that a line
  /// comes even while no batch finishes); interval 0: a line as each batch finishes.
  ProgressReport(std::ostream& out, double interval_seconds);
  ~ProgressReport();
  ProgressReport(const ProgressReport&) = delete;
  ProgressReport& operator=(const ProgressReport&) = delete;

  /// Starts a run: `label` names it ("pgtruth check: reinforce"); `episodes` in `batches`,
  /// sampled by `threads` workers at once.
  void begin(const std::string& label, long episodes, long batches, int threads);
  /// `done` of `total` batches have finished (CheckOptions::progress; from any thread).
  void batches_done(long done, long total);

 private:
  using Clock = std::chrono::steady_clock;
  void print_locked();  ///< one line about the current run; the caller holds lock_
  void tick();          ///< the thread: a line each interval until stopped

  std::ostream& out_;
  const Clock::duration interval_;
  std::mutex lock_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::string label_;
  long episodes_ = 0, done_ = 0, total_ = 0;
  int threads_ = 1;
  Clock::time_point started_ = Clock::now(), last_line_ = Clock::now();
  std::thread ticker_;
};

}  // namespace pgtruth::cli
