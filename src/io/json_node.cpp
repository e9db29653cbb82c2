#include "io/json_node.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <unordered_set>
#include <vector>

#include "io/format.hpp"
#include "pgtruth/error.hpp"

namespace pgtruth::detail {
namespace {

/// The deepest nesting of arrays and objects parse_json reads: a problem file nests at most 5
/// (/policy/features/STATE/ACTION/k), and each level costs the parser a frame (about 100 bytes).
constexpr std::size_t kMaxDepth = 64;

/// One open container while parsing: an object (its member names so far, the current one)
/// or an array (the index of the element being read).
struct Frame {
  bool is_array = false;
  std::size_t index = 0;
  std::string key;
  std::unordered_set<std::string> keys;
};

std::string container_pointer(const std::vector<Frame>& frames) {
  std::string p;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i)
    p += "/" + (frames[i].is_array ? std::to_string(frames[i].index) : pointer_token(frames[i].key));
  return p;
}

/// nlohmann/json's messages start with "[json.exception.parse_error.101] "; keep the rest.
std::string strip_exception_id(const std::string& what) {
  const auto close = what.find("] ");
  return close == std::string::npos ? what : what.substr(close + 2);
}

}  // namespace

std::string pointer_token(std::string_view key) {
  std::string t;
  for (char c : key) {
    if (c == '~') t += "~0";
    else if (c == '/') t += "~1";
    else t += c;
  }
  return t;
}

std::string describe_type(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

namespace {

/// SAX events of nlohmann/json that find, with the pointer of the value at fault, what its
/// DOM parser accepts silently (a key repeated in an object, a number beyond a double), a
/// nesting deeper than kMaxDepth, and any syntax error. One linear pass: the callback form of
/// the DOM parser, which could do the same, scans an array for discarded values each time an
/// object in it closes, quadratic in the array's length (400 000 transitions took a minute).
struct Checker {
  std::vector<Frame> frames;
  std::optional<InputError> fault;

  /// The pointer of the value being read: the open containers and the current key or index.
  std::string here() {
    frames.push_back(Frame{});
    std::string p = container_pointer(frames);
    frames.pop_back();
    return p.empty() ? "/" : p;
  }
  bool value() {
    if (!frames.empty() && frames.back().is_array) ++frames.back().index;
    return true;
  }
  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(Json::number_integer_t) { return value(); }
  bool number_unsigned(Json::number_unsigned_t) { return value(); }
  bool number_float(Json::number_float_t, const std::string&) { return value(); }
  bool string(std::string&) { return value(); }
  bool binary(Json::binary_t&) { return value(); }
  bool open(bool is_array) {
    frames.push_back(Frame{is_array, 0, {}, {}});
    if (frames.size() <= kMaxDepth) return true;
    fault.emplace(container_pointer(frames), "values nested more than " + std::to_string(kMaxDepth) +
                                                 " deep; a problem file nests at most 5");
    return false;
  }
  bool close() {
    frames.pop_back();
    return value();
  }
  bool start_object(std::size_t) { return open(false); }
  bool start_array(std::size_t) { return open(true); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(std::string& k) {
    Frame& f = frames.back();
    f.key = k;
    if (f.keys.insert(k).second) return true;
    fault.emplace(here(), "the key \"" + k + "\" appears twice in this object");
    return false;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    if (e.id == 406)  // out_of_range: "number overflow parsing '1e999'"
      fault.emplace(here(), "not a finite number: " + strip_exception_id(e.what()));
    else
      fault.emplace("/", "not valid JSON: " + strip_exception_id(e.what()));
    return false;
  }
};

}  // namespace

Json parse_json(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos)
    throw InputError("/", "the file is empty; expected a JSON object");
  Checker checker;
  if (!Json::sax_parse(text.begin(), text.end(), &checker)) {
    if (checker.fault) throw *checker.fault;
    throw InputError("/", "not valid JSON");
  }
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::exception& e) {  // the checker has seen every fault the parser reports
    throw InputError("/", "not valid JSON: " + strip_exception_id(e.what()));
  }
}

namespace {

/// SAX events of nlohmann/json: records the text of the number at a top-level key, then stops.
struct NumberAtKey {
  std::string_view wanted;
  int depth = 0;
  bool at_key = false;
  std::optional<std::string> text;

  /// Any value but a float: parsing stops if it is the key's (not a decimal text to read).
  bool value() { return !(at_key && depth == 1); }
  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(Json::number_integer_t) { return value(); }
  bool number_unsigned(Json::number_unsigned_t) { return value(); }
  bool number_float(Json::number_float_t, const std::string& s) {
    if (at_key && depth == 1) return text = s, false;
    return true;
  }
  bool string(std::string&) { return value(); }
  bool binary(Json::binary_t&) { return value(); }
  bool start_object(std::size_t) {
    if (at_key && depth == 1) return false;
    return ++depth, true;
  }
  bool end_object() { return --depth, true; }
  bool start_array(std::size_t) {
    if (at_key && depth == 1) return false;
    return ++depth, true;
  }
  bool end_array() { return --depth, true; }
  bool key(std::string& k) {
    at_key = depth == 1 && k == wanted;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }
};

}  // namespace

std::optional<std::string> top_level_number_text(std::string_view text, std::string_view key) {
  NumberAtKey sax;
  sax.wanted = key;
  try {
    Json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const Json::exception&) {  // the DOM parse reports errors; here the text is only looked at
  }
  return sax.text;
}

std::optional<double> decimal_complement(std::string_view x) {
  // x = digits x 10^exponent, digits the significand's decimal digits without the point.
  std::string digits;
  long exponent = 0;
  std::size_t i = 0;
  if (i < x.size() && x[i] == '+') ++i;
  bool point = false;
  for (; i < x.size() && (std::isdigit(static_cast<unsigned char>(x[i])) || (x[i] == '.' && !point)); ++i) {
    if (x[i] == '.') point = true;
    else digits += x[i], exponent -= point ? 1 : 0;
  }
  if (i < x.size()) {
    if (x[i] != 'e' && x[i] != 'E') return std::nullopt;
    const std::string e(x.substr(i + 1));
    if (e.empty() || e.size() > 6) return std::nullopt;
    std::size_t used = 0;
    exponent += std::stol(e, &used);
    if (used != e.size()) return std::nullopt;
  }
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
  if (digits.empty()) return 1.0;
  if (exponent >= 0 || -exponent > 1000 || static_cast<long>(digits.size()) > -exponent) return std::nullopt;  // x >= 1
  // 10^L - digits, L = -exponent: the nines' complement of digits (padded to L places) plus 1.
  const std::size_t L = static_cast<std::size_t>(-exponent);
  std::string difference = std::string(L - digits.size(), '0') + digits;
  for (char& c : difference) c = static_cast<char>('0' + 9 - (c - '0'));
  for (std::size_t k = L; k-- > 0;) {
    if (difference[k] != '9') {
      ++difference[k];
      break;
    }
    difference[k] = '0';
  }
  return std::strtod((difference + "e" + std::to_string(exponent)).c_str(), nullptr);
}

std::optional<double> gamma_complement(const JsonNode& gamma, std::string_view text) {
  const auto written = top_level_number_text(text, "gamma");
  const auto complement = written ? decimal_complement(*written) : std::nullopt;
  if (!complement || !(*complement > 0.0)) return std::nullopt;
  if (gamma.number() == 1.0)
    gamma.fail("gamma = " + *written + " is below 1 by less than a double resolves (1 - gamma = " +
               format_number(*complement, 3) + "); write 1 for an undiscounted problem");
  return complement;
}

void JsonNode::fail(const std::string& message) const { throw InputError(where(), message); }

void JsonNode::expect_object() const {
  if (!is_object()) fail("expected an object, found " + describe_type(*value_));
}

void JsonNode::expect_array() const {
  if (!is_array()) fail("expected an array, found " + describe_type(*value_));
}

JsonNode JsonNode::at(std::string_view key) const {
  expect_object();
  const auto it = value_->find(key);
  if (it == value_->end()) fail("missing required key \"" + std::string(key) + "\"");
  return JsonNode(*it, pointer_ + "/" + pointer_token(key));
}

std::optional<JsonNode> JsonNode::find(std::string_view key) const {
  expect_object();
  const auto it = value_->find(key);
  if (it == value_->end()) return std::nullopt;
  return JsonNode(*it, pointer_ + "/" + pointer_token(key));
}

JsonNode JsonNode::at(std::size_t i) const {
  expect_array();
  return JsonNode((*value_)[i], pointer_ + "/" + std::to_string(i));
}

std::size_t JsonNode::size() const {
  expect_array();
  return value_->size();
}

void JsonNode::expect_array_of_size(std::size_t n, std::string_view what) const {
  if (!is_array())
    fail("expected an array of " + std::to_string(n) + " " + std::string(what) + ", found " +
         describe_type(*value_));
  if (value_->size() != n)
    fail("expected " + std::to_string(n) + " " + std::string(what) + ", found " +
         std::to_string(value_->size()));
}

void JsonNode::expect_keys(std::initializer_list<std::string_view> allowed) const {
  expect_object();
  for (const auto& [key, value] : value_->items()) {
    if (!key.empty() && key.front() == '_') continue;
    bool known = false;
    for (std::string_view a : allowed) known = known || a == key;
    if (known) continue;
    std::string list;
    for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
    throw InputError(pointer_ + "/" + pointer_token(key),
                     "unknown key \"" + key + "\" (expected one of: " + list + ")");
  }
}

double JsonNode::number() const {
  if (!is_number()) fail("expected a number, found " + describe_type(*value_));
  const double x = value_->get<double>();
  if (!std::isfinite(x)) fail("expected a finite number");
  return x;
}

std::int64_t JsonNode::integer(std::int64_t lo, std::int64_t hi) const {
  const double x = number();
  if (x != std::floor(x)) fail("expected an integer, found " + value_->dump());
  if (x < static_cast<double>(lo) || x > static_cast<double>(hi))
    fail("expected an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
         ", found " + value_->dump());
  return static_cast<std::int64_t>(x);
}

const std::string& JsonNode::string() const {
  if (!is_string()) fail("expected a string, found " + describe_type(*value_));
  return value_->get_ref<const std::string&>();
}

}  // namespace pgtruth::detail
