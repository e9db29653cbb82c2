// Writes the error-case corpus of the tests (tests/error_cases.cpp: malformed problem files,
// each with the one line it must produce) as files DIR/error-NNN.json, seeds for the reader
// fuzzer beside the shipped cases/.   Usage: pgtruth_fuzz_seeds DIR
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "error_cases.hpp"

int main(int argc, char** argv) {
  if (argc != 2) return std::fprintf(stderr, "usage: pgtruth_fuzz_seeds DIR\n"), 2;
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);
  int k = 0;
  for (const auto& c : pgtruth::test::error_cases()) {
    char name[32];
    std::snprintf(name, sizeof name, "error-%03d.json", k++);
    std::ofstream(dir / name, std::ios::binary) << c.text;
  }
  std::printf("%d error cases written to %s\n", k, dir.c_str());
  return 0;
}
