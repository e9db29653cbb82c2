#include "cli/format.hpp"

#include <fmt/format.h>

namespace pgtruth::cli {

std::string significant(double x, int digits) { return fmt::format("{:.{}g}", x, digits); }

std::string fixed(double x, int decimals) { return fmt::format("{:.{}f}", x, decimals); }

std::string column(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace pgtruth::cli
