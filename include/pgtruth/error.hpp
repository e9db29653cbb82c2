#pragma once
/// \file
/// The two kinds of failure a user can act on (style: Drake's DRAKE_THROW_UNLESS).
/// A broken internal invariant is a bug and is an assert, not one of these.

#include <exception>
#include <string>

namespace pgtruth {

/// A failure the user can act on. `pointer` is the JSON pointer (RFC 6901) of the value at
/// fault in the problem file ("/" for the whole document, "" when no value is at fault);
/// `source` names the file once it is known. what() is the one line the command prints:
///   "cases/x.json: /transitions/3/next: probabilities sum to 0.8, expected 1"
class Error : public std::exception {
 public:
  Error(std::string pointer, std::string message);

  const char* what() const noexcept override { return line_.c_str(); }
  const std::string& pointer() const noexcept { return pointer_; }
  const std::string& message() const noexcept { return message_; }
  const std::string& source() const noexcept { return source_; }

  /// Attributes the error to the file `source` (the loader does this as the error passes).
  void set_source(std::string source);

 private:
  void compose();
  std::string pointer_;
  std::string message_;
  std::string source_;
  std::string line_;
};

/// The problem file does not follow the spec (docs/file-format.md).
class InputError : public Error {
 public:
  using Error::Error;
};

/// A well-formed problem without a finite, accurately computable answer: an improper policy
/// with gamma = 1, a singular or ill-conditioned Bellman system, an inaccurate solve.
class IllPosedError : public Error {
 public:
  using Error::Error;
};

}  // namespace pgtruth
