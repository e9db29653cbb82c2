#include "pgtruth/error.hpp"

#include <utility>

namespace pgtruth {

Error::Error(std::string pointer, std::string message)
    : pointer_(std::move(pointer)), message_(std::move(message)) {
  compose();
}

void Error::set_source(std::string source) {
  source_ = std::move(source);
  compose();
}

void Error::compose() {
  line_.clear();
  if (!source_.empty()) line_ += source_ + ": ";
  if (!pointer_.empty()) line_ += pointer_ + ": ";
  line_ += message_;
}

}  // namespace pgtruth
