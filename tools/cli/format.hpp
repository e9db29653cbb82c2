#pragma once
// The numbers the command line prints, in its reports and its messages: one formatter (fmt,
// whose %g and %f forms are printf's, byte for byte).

#include <cstddef>
#include <string>

namespace pgtruth::cli {

/// x with `digits` significant digits, as printf's %.*g: "0.8", "1.13842", "1e+12", "-0", "nan".
std::string significant(double x, int digits);

/// x with `decimals` digits after the point, as printf's %.*f: "0.500000", "12".
std::string fixed(double x, int decimals);

/// x itself, or +0 for -0: a printed zero carries no sign ("0", never "-0").
inline double unsigned_zero(double x) { return x == 0.0 ? 0.0 : x; }

/// `text` in a column of `width` characters followed by at least one space.
std::string column(const std::string& text, std::size_t width);

}  // namespace pgtruth::cli
