#pragma once
// Internal: numbers in messages.

#include <cstdio>
#include <string>

namespace pgtruth::detail {

/// x in printf's %g form with `digits` significant digits ("0.8", "1.13842", "1e+12").
inline std::string format_number(double x, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, x);
  return buf;
}

}  // namespace pgtruth::detail
