// The pgtruth command: everything happens in cli::run, which never lets an exception out.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return pgtruth::cli::run(args, std::cout, std::cerr);
}
