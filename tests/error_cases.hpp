#pragma once
// Malformed problem files and the one line each must produce (file "x.json"). The reader
// test pins the messages; the command-line test runs every file and checks exit code 2.

#include <string>
#include <vector>

namespace pgtruth::test {

struct ErrorCase {
  std::string what;
  std::string text;
  std::string message;
};

/// A valid finite problem with `replace` substituted for `find` (the first occurrence).
std::string valid_with(const std::string& find, const std::string& replace);

const std::vector<ErrorCase>& error_cases();

}  // namespace pgtruth::test
