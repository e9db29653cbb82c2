#include "command.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/cli.hpp"

namespace pgtruth::test {

Run pgtruth_run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = pgtruth::cli::run(args, out, err);
  return {code, out.str(), err.str()};
}

bool is_one_line(const std::string& s) { return !s.empty() && s.find('\n') == s.size() - 1; }

std::filesystem::path scratch() {
  const auto dir = std::filesystem::temp_directory_path() / ("pgtruth-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = scratch() / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

}  // namespace pgtruth::test
