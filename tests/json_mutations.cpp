#include "json_mutations.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace pgtruth::test {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

namespace {

/// A key as a JSON pointer's reference token, and back (RFC 6901, section 3: "~" is "~0", "/" is "~1").
std::string escape(const std::string& key) {
  std::string out;
  for (const char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}
std::string unescape(const std::string& token) {
  std::string out;
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] == '~' && i + 1 < token.size() && (token[i + 1] == '0' || token[i + 1] == '1')) {
      out += token[++i] == '0' ? '~' : '/';
    } else {
      out += token[i];
    }
  }
  return out;
}

void collect(const OrderedJson& j, const std::string& pointer, std::vector<std::string>& out) {
  out.push_back(pointer);
  if (j.is_object())
    for (const auto& [key, value] : j.items()) collect(value, pointer + "/" + escape(key), out);
  else if (j.is_array())
    for (std::size_t i = 0; i < j.size(); ++i) collect(j[i], pointer + "/" + std::to_string(i), out);
}

/// The replacement values: numbers at the edges of what a file may hold, numbers written as
/// strings, and values of every other type.
const std::vector<std::pair<std::string, OrderedJson>>& replacements() {
  static const std::vector<std::pair<std::string, OrderedJson>> values{
      {"0", 0},
      {"-1", -1},
      {"1", 1},
      {"0.5", 0.5},
      {"1e308", 1e308},
      {"-1e308", -1e308},
      {"5e-324", 5e-324},
      {"1e-300", 1e-300},
      {"2^31", 2147483648LL},
      {"2^63 - 1", 9223372036854775807LL},
      {"1e9", 1000000000},
      {"1e8", 100000000},
      {"1e20", 1e20},
      {"\"nan\"", "nan"},
      {"\"inf\"", "inf"},
      {"\"-Infinity\"", "-Infinity"},
      {"\"\"", ""},
      {"\"x\"", "x"},
      {"null", nullptr},
      {"true", true},
      {"[]", OrderedJson::array()},
      {"{}", OrderedJson::object()},
      {"[[]]", OrderedJson::array({OrderedJson::array()})},
      {"[1e308, -1]", OrderedJson::array({1e308, -1})},
  };
  return values;
}

/// A member to be written twice in the object at `object` (JSON holds no duplicate key, so the
/// text is written by hand).
struct Duplicate {
  std::string object;  ///< pointer of the object
  std::string key;
  OrderedJson value;
};

void write(const OrderedJson& j, const std::string& pointer, const std::vector<Duplicate>& duplicates,
           std::string& out) {
  if (j.is_object()) {
    out += '{';
    bool first = true;
    const auto member = [&](const std::string& key, const OrderedJson& value, const std::string& at) {
      if (!first) out += ", ";
      first = false;
      out += OrderedJson(key).dump() + ": ";
      write(value, at, duplicates, out);
    };
    for (const auto& [key, value] : j.items()) member(key, value, pointer + "/" + escape(key));
    for (const Duplicate& d : duplicates)
      if (d.object == pointer) member(d.key, d.value, "\x01");  // (no pointer: not a site)
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    for (std::size_t i = 0; i < j.size(); ++i) {
      if (i) out += ", ";
      write(j[i], pointer + "/" + std::to_string(i), duplicates, out);
    }
    out += ']';
  } else {
    out += j.dump();
  }
}

/// The pointer of the value's parent and the last reference token ("" has no parent).
std::pair<std::string, std::string> split(const std::string& pointer) {
  const auto slash = pointer.rfind('/');
  return {pointer.substr(0, slash), pointer.substr(slash + 1)};
}

}  // namespace

std::vector<std::string> value_pointers(const OrderedJson& document) {
  std::vector<std::string> out;
  collect(document, "", out);
  return out;
}

Mutant mutate(const OrderedJson& document, SplitMix64& random, int max_edits) {
  OrderedJson j = document;
  std::vector<Duplicate> duplicates;
  std::string description;
  // Half the mutants have one edit (the others 2 to max_edits): one fault at a time reaches the
  // solvers, where several mostly stop at the reader's first refusal.
  const int edits = random.below(2) == 0 ? 1 : 2 + static_cast<int>(random.below(static_cast<std::size_t>(std::max(1, max_edits - 1))));
  for (int e = 0; e < edits; ++e) {
    const std::vector<std::string> sites = value_pointers(j);
    if (sites.size() < 2) break;
    const std::string site = sites[1 + random.below(sites.size() - 1)];  // never the root itself
    const OrderedJson::json_pointer at(site);
    const auto [parent_pointer, token] = split(site);
    OrderedJson& parent = j[OrderedJson::json_pointer(parent_pointer)];
    std::string done;
    switch (random.below(6)) {
      case 0:
      case 1: {  // a replacement value (twice as likely as each other edit)
        const auto& [name, value] = replacements()[random.below(replacements().size())];
        j[at] = value;
        done = site + " := " + name;
        break;
      }
      case 2:  // delete the member or element
        if (parent.is_object()) parent.erase(unescape(token));
        else parent.erase(static_cast<std::size_t>(std::stoul(token)));
        done = "delete " + site;
        break;
      case 3:  // duplicate it: a key twice (the copy changed or not), an element twice
        if (parent.is_object()) {
          OrderedJson copy = j[at];
          std::string how = "the same value";
          if (random.below(2)) copy = replacements()[random.below(replacements().size())].second, how = copy.dump();
          duplicates.push_back({parent_pointer, unescape(token), copy});
          done = "key " + site + " twice (then " + how + ")";
        } else {
          const std::size_t i = std::stoul(token);
          parent.insert(parent.begin() + static_cast<std::ptrdiff_t>(i), parent[i]);
          done = "element " + site + " twice";
        }
        break;
      case 4:  // exchange it with a sibling (array elements, or two members' values)
        if (parent.size() >= 2) {
          std::vector<std::string> siblings;
          for (const std::string& s : sites)
            if (s != site && split(s).first == parent_pointer && s.size() > parent_pointer.size()) siblings.push_back(s);
          if (siblings.empty()) break;
          const std::string other = siblings[random.below(siblings.size())];
          std::swap(j[at], j[OrderedJson::json_pointer(other)]);
          done = "swap " + site + " and " + other;
        }
        break;
      case 5:  // a number scaled (a valid file stays valid more often: the solvers see it), an
               // array emptied, or another value replaced by a count
        if (j[at].is_number()) {
          static const double factors[] = {-1.0, 1e-8, 1e8, 1e150, 0.999999999, 1.000000001};
          const double f = factors[random.below(std::size(factors))];
          j[at] = j[at].get<double>() * f;
          done = site + " scaled by " + OrderedJson(f).dump();
        } else if (j[at].is_array() && !j[at].empty()) {
          j[at] = OrderedJson::array(), done = site + " := []";
        } else {
          j[at] = 3, done = site + " := 3";
        }
        break;
    }
    if (!done.empty()) description += (description.empty() ? "" : "; ") + done;
  }
  Mutant m;
  write(j, "", duplicates, m.text);
  m.text += '\n';
  m.description = description.empty() ? "unchanged" : description;
  return m;
}

}  // namespace pgtruth::test
