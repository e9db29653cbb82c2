#pragma once
// Structure-aware mutations of JSON documents, for the mutation test of whole commands
// (test_command_mutations.cpp): a valid problem file is changed at the JSON level, where a
// byte-level fuzzer seldom gets past the parser, in the ways people break files: numbers set
// to 0, -1, 1e308 or 2^31 and the like, numbers written as strings ("nan", "inf"), members
// deleted or duplicated (a key twice in one object), values of the wrong type, array elements
// swapped, duplicated or dropped, two members' values exchanged. Deterministic for a seed.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pgtruth::test {

using OrderedJson = nlohmann::ordered_json;

/// A mutated document, as the text written to the file, and what was done to it.
struct Mutant {
  std::string text;
  std::string description;  ///< e.g. "/R/0/1 := 1e308; delete /start"
};

/// A small, portable pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014), so that a
/// seed gives the same mutants with any standard library.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, n), n > 0 (modulo bias is irrelevant here).
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

/// The JSON pointers of every value in `document` ("" for the root), in document order.
std::vector<std::string> value_pointers(const OrderedJson& document);

/// `document` with 1 to `max_edits` mutations drawn with `random`.
Mutant mutate(const OrderedJson& document, SplitMix64& random, int max_edits = 3);

}  // namespace pgtruth::test
