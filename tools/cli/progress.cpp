#include "cli/progress.hpp"

#include "cli/format.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <system_error>

namespace pgtruth::cli {
namespace {

/// "45 s", "12 min 5 s", "3 h 20 min", "4.2 days".
std::string duration_text(double seconds) {
  if (seconds < 10) return fixed(seconds, 1) + " s";
  if (seconds < 60) return fixed(seconds, 0) + " s";
  if (seconds < 3600) return fixed(std::floor(seconds / 60), 0) + " min " + fixed(std::fmod(seconds, 60), 0) + " s";
  if (seconds < 86400) return fixed(std::floor(seconds / 3600), 0) + " h " + fixed(std::fmod(seconds, 3600) / 60, 0) + " min";
  return fixed(seconds / 86400, 1) + " days";
}

/// The wall-clock time `seconds` from now, in UTC: "2026-12-07 04:31:07 UTC".
std::string clock_time_in(double seconds) {
  if (!(seconds < 1e11)) return "beyond the year 5000";
  const auto when = std::chrono::system_clock::now() + std::chrono::seconds(static_cast<long long>(seconds));
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return buf;
}

std::string number(double x) { return significant(x, 3); }

}  // namespace

ProgressReport::ProgressReport(std::ostream& out, double interval_seconds)
    : out_(out), interval_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_seconds))) {
  if (interval_seconds <= 0) return;
  try {
    ticker_ = std::thread([this] { tick(); });
  } catch (const std::system_error&) {  // no thread to spare: a line as batches finish, when due
  }
}

ProgressReport::~ProgressReport() {
  {
    const std::lock_guard<std::mutex> guard(lock_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void ProgressReport::begin(const std::string& label, long episodes, long batches, int threads) {
  const std::lock_guard<std::mutex> guard(lock_);
  label_ = label, episodes_ = episodes, done_ = 0, total_ = batches, threads_ = std::max(1, threads);
  started_ = last_line_ = Clock::now();
}

void ProgressReport::batches_done(long done, long total) {
  const std::lock_guard<std::mutex> guard(lock_);
  done_ = std::max(done_, done), total_ = total;
  const bool due = interval_ <= Clock::duration::zero() || (!ticker_.joinable() && Clock::now() - last_line_ >= interval_);
  if (due) print_locked();
}

void ProgressReport::tick() {
  std::unique_lock<std::mutex> guard(lock_);
  // Wakes when a line is due: `interval` after the last line, or after the run began.
  const auto next_line = [this] { return (label_.empty() ? Clock::now() : last_line_) + interval_; };
  while (!wake_.wait_until(guard, next_line(), [this] { return stopping_; }))
    if (!label_.empty() && Clock::now() - last_line_ >= interval_) print_locked();
}

void ProgressReport::print_locked() {
  last_line_ = Clock::now();
  const double elapsed = std::chrono::duration<double>(last_line_ - started_).count();
  out_ << label_ << ": ";
  if (done_ == 0) {
    // Each worker has had a batch for `elapsed` and none is done: every batch takes longer,
    // and the run at least elapsed x (rounds of `threads` batches).
    const double rounds = std::ceil(static_cast<double>(total_) / static_cast<double>(threads_));
    out_ << "0/" << total_ << " batches of " << number(static_cast<double>(episodes_) / static_cast<double>(total_))
         << " episodes after " << duration_text(elapsed) << "; at least " << duration_text(elapsed * rounds)
         << " in all, ending after " << clock_time_in(elapsed * (rounds - 1)) << "\n";
  } else {
    const double rate = static_cast<double>(done_) / elapsed;  // batches per second
    const double episodes_per_second = rate * static_cast<double>(episodes_) / static_cast<double>(total_);
    const double left = static_cast<double>(total_ - done_) / rate;
    out_ << done_ << "/" << total_ << " batches (" << number(100.0 * static_cast<double>(done_) / static_cast<double>(total_))
         << "%) in " << duration_text(elapsed) << ", " << number(episodes_per_second) << " episodes/s";
    if (done_ < total_) out_ << "; about " << duration_text(left) << " left, ending near " << clock_time_in(left);
    out_ << "\n";
  }
  out_.flush();
}

}  // namespace pgtruth::cli
