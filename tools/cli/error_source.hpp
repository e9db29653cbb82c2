#pragma once
// The one place the command line attaches a file name to what it reports about that file:
// an error becomes the line "FILE: /json/pointer: message", a note "FILE: note: message".

#include <ostream>
#include <string>

#include "pgtruth/error.hpp"

namespace pgtruth::cli {

/// Runs `work`; a pgtruth::Error it throws that names no file yet is attributed to `file`.
template <typename Work>
decltype(auto) in_file(const std::string& file, Work&& work) {
  try {
    return work();
  } catch (Error& e) {
    if (e.source().empty()) e.set_source(file);
    throw;
  }
}

/// Throws `error` (an InputError, say) attributed to `file`.
template <typename E>
[[noreturn]] void throw_in_file(const std::string& file, E error) {
  error.set_source(file);
  throw error;
}

/// Writes "FILE: note: message" on its own line to `err`.
inline void note(std::ostream& err, const std::string& file, const std::string& message) {
  err << file << ": note: " << message << "\n";
}

}  // namespace pgtruth::cli
