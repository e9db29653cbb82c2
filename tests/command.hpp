#pragma once
// The command as the tests run it: in-process, with its exit code and both streams, and
// scratch files for the inputs a test writes.
#include <filesystem>
#include <string>
#include <vector>

namespace pgtruth::test {

struct Run {
  int code;
  std::string out, err;
};

/// `pgtruth ARGS...` through pgtruth::cli::run.
Run pgtruth_run(const std::vector<std::string>& args);

/// A message of exactly one line, ending in its newline.
bool is_one_line(const std::string& s);

/// A scratch directory for the files a test writes (one per process).
std::filesystem::path scratch();

/// Writes `text` to scratch()/name; returns the path.
std::string write_file(const std::string& name, const std::string& text);

}  // namespace pgtruth::test
