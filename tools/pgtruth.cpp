// The pgtruth command: everything happens in cli::run, which never lets an exception out.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.hpp"
#include "pgtruth/allocator.hpp"

int main(int argc, char** argv) {
  pgtruth::keep_freed_memory_for_reuse();  // a batch process: reuse freed memory, see allocator.hpp
  const std::vector<std::string> args(argv + 1, argv + argc);
  return pgtruth::cli::run(args, std::cout, std::cerr);
}
