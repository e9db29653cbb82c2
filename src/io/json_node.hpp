#pragma once
// Internal: read a JSON document with the JSON pointer of every value at hand, so that each
// complaint names the value at fault (style: nlohmann/json's diagnostics).

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace pgtruth::detail {

using Json = nlohmann::json;

/// Parses `text`, rejecting what nlohmann/json accepts silently (a repeated key in an object,
/// a number out of double range). Throws InputError with the pointer of the fault.
Json parse_json(std::string_view text);

/// The text of the number at the top-level key `key` of a JSON object, as written in `text`
/// (nlohmann/json's SAX parse, stopped there); nullopt when it is absent or not a number.
std::optional<std::string> top_level_number_text(std::string_view text, std::string_view key);

/// 1 - x for the decimal number text x (e.g. "0.999999999999", "9.9e-1"), rounded once to a
/// double: exact decimal subtraction, so that the result has full relative precision however
/// close x is to 1. nullopt when the text is not a plain decimal below 1.
std::optional<double> decimal_complement(std::string_view x);


/// A JSON value and its pointer. Every accessor throws InputError naming the pointer.
class JsonNode {
 public:
  JsonNode(const Json& value, std::string pointer) : value_(&value), pointer_(std::move(pointer)) {}

  const Json& json() const { return *value_; }
  /// The pointer as printed: "/" for the document itself.
  std::string where() const { return pointer_.empty() ? "/" : pointer_; }

  bool is_object() const { return value_->is_object(); }
  bool is_array() const { return value_->is_array(); }
  bool is_string() const { return value_->is_string(); }
  bool is_number() const { return value_->is_number(); }

  /// Member `key` of an object: required, or optional.
  JsonNode at(std::string_view key) const;
  std::optional<JsonNode> find(std::string_view key) const;
  /// Element i of an array.
  JsonNode at(std::size_t i) const;
  /// Element count of an array (throws unless an array).
  std::size_t size() const;
  /// Throws unless an array of exactly n elements (`what` names them in the message).
  void expect_array_of_size(std::size_t n, std::string_view what) const;

  void expect_object() const;
  void expect_array() const;
  /// Throws on a member not in `allowed`, unless its name starts with '_' (a comment).
  void expect_keys(std::initializer_list<std::string_view> allowed) const;

  double number() const;                                  ///< finite number
  std::int64_t integer(std::int64_t lo, std::int64_t hi) const;  ///< integral, in [lo, hi]
  const std::string& string() const;

  [[noreturn]] void fail(const std::string& message) const;

 private:
  const Json* value_;
  std::string pointer_;
};

/// "an object", "a string", ... for messages.
std::string describe_type(const Json& value);
/// Escapes a member name for a JSON pointer (RFC 6901: ~ -> ~0, / -> ~1).
std::string pointer_token(std::string_view key);

/// 1 - gamma from the digits of the document's top-level "gamma" (node `gamma`, value in (0, 1]),
/// where it is below 1; throws InputError at `gamma` when the decimal is below 1 but its double
/// is 1 (1 - gamma under 2^-53: a discounted problem no double gamma describes).
std::optional<double> gamma_complement(const JsonNode& gamma, std::string_view text);

}  // namespace pgtruth::detail
