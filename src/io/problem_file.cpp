#include "pgtruth/io/problem_file.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/finite_reader.hpp"
#include "io/json_node.hpp"
#include "io/lqg_reader.hpp"
#include "io/memory_estimate.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth {

Problem parse_problem(std::string_view text, const std::string& source, const MemoryLimit& limit) {
  try {
    const detail::Json document = detail::parse_json(text);
    const detail::JsonNode root(document, "");
    root.expect_object();
    const std::string& kind = root.at("problem").string();
    if (kind == "finite") return detail::read_finite_problem(root, text, limit);
    if (kind == "lqg") return detail::read_lqg_problem(root, text, limit);
    throw InputError("/problem", "unknown problem type \"" + kind + "\" (expected \"finite\" or \"lqg\")");
  } catch (Error& e) {
    e.set_source(source);
    throw;
  }
}

namespace {

[[noreturn]] void fail_to_read(const std::filesystem::path& file, const std::string& message) {
  InputError e("", message);
  e.set_source(file.string());
  throw e;
}

}  // namespace

Problem load_problem(const std::filesystem::path& file, const MemoryLimit& limit) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) fail_to_read(file, "is a directory, expected a problem file");
  if (const auto bytes = std::filesystem::file_size(file, ec); !ec) {  // a regular file: its size is known
    try {
      detail::require_memory("", detail::json_memory_bytes(static_cast<double>(bytes)),
                             "reading this file of " + detail::format_bytes(static_cast<double>(bytes)), limit);
    } catch (Error& e) {
      e.set_source(file.string());
      throw;
    }
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_to_read(file, std::string("cannot open the file: ") + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_problem(text.str(), file.string(), limit);
}

}  // namespace pgtruth
