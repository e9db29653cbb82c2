#include "io/finite_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <unordered_map>
#include <utility>

#include "io/format.hpp"
#include "pgtruth/error.hpp"
#include "io/generators.hpp"
#include "io/memory_estimate.hpp"
#include "pgtruth/finite/structure.hpp"

namespace pgtruth::detail {
namespace {

constexpr std::int64_t kMaxCount = 100'000'000;


/// Names of states or actions: a count n (names "0".."n-1") or an array of unique strings.
struct NameTable {
  std::string what;  // "state" or "action"
  /// The names read from the file, until they are handed to the builder; empty when numbered.
  std::vector<std::string> names;
  /// The MDP's names, once it is built (the names above moved there).
  const std::vector<std::string>* built = nullptr;
  Index count = 0;
  /// The names are "0".."n-1" (a count, or a generated problem's states): a name is looked up
  /// by reading its number, with no index to build, and no list of them is made here
  /// (FiniteMdpBuilder::build makes it once the transitions have been read), so that a file of
  /// 100 bytes that declares 10^8 states and lists none of their transitions is refused before
  /// they are.
  bool numbered = false;
  /// name -> index, built on the first lookup by name of names that are not numbered.
  mutable std::unordered_map<std::string, Index> index;

  /// Reads the names of an array, or the count of a number, and returns the table.
  static NameTable read(const JsonNode& node, const std::string& what) {
    NameTable t{what, {}, nullptr, 0, node.is_number(), {}};
    if (node.is_number()) {
      t.count = node.integer(1, kMaxCount);
    } else if (node.is_array()) {
      if (node.size() == 0) node.fail("expected at least one " + what);
      for (std::size_t i = 0; i < node.size(); ++i) {
        const JsonNode name = node.at(i);
        const std::string& s = name.string();
        if (s.empty()) name.fail("a " + what + " name must not be empty");
        if (t.index.count(s)) name.fail("the " + what + " \"" + s + "\" is named twice");
        t.names.push_back(s);
        t.index.emplace(s, static_cast<Index>(i));
      }
      t.count = static_cast<Index>(t.names.size());
    } else {
      node.fail("expected a count or an array of " + what + " names, found " + describe_type(node.json()));
    }
    return t;
  }

  /// The table of a built MDP's names (a generated problem's); `numbered` when they are
  /// "0".."n-1" (a generator's states).
  static NameTable of(const std::vector<std::string>& names, const std::string& what, bool numbered) {
    return NameTable{what, {}, &names, static_cast<Index>(names.size()), numbered, {}};
  }

  /// Hands the names read to the builder (none when numbered: it makes "0".."n-1").
  std::vector<std::string> take_names() { return std::move(names); }

  const std::vector<std::string>& list() const { return built ? *built : names; }
  Index size() const { return count; }
  std::string name(Index i) const { return numbered ? std::to_string(i) : list()[static_cast<std::size_t>(i)]; }

  /// A reference by name (a string) or by index (an integer).
  Index resolve(const JsonNode& node) const {
    if (node.is_string()) return resolve_name(node, node.string());
    if (node.is_number()) return static_cast<Index>(node.integer(0, size() - 1));
    node.fail("expected a " + what + " name or index, found " + describe_type(node.json()));
  }

  /// A reference by name only (an object's member name); `node` is where to complain.
  Index resolve_name(const JsonNode& node, const std::string& name) const {
    if (numbered) {
      if (const auto i = number_of(name)) return *i;
      node.fail("unknown " + what + " \"" + name + "\"");
    }
    if (index.empty())
      for (std::size_t i = 0; i < list().size(); ++i) index.emplace(list()[i], static_cast<Index>(i));
    const auto it = index.find(name);
    if (it == index.end()) node.fail("unknown " + what + " \"" + name + "\"");
    return it->second;
  }

  /// i when `name` is the decimal text of i, below size(), as std::to_string writes it.
  std::optional<Index> number_of(const std::string& name) const {
    if (name.empty() || name.size() > 9 || (name.size() > 1 && name[0] == '0')) return std::nullopt;
    Index i = 0;
    for (const char c : name) {
      if (c < '0' || c > '9') return std::nullopt;
      i = 10 * i + (c - '0');
    }
    return i < size() ? std::optional<Index>(i) : std::nullopt;
  }
};

void check_probability(const JsonNode& node, double p) {
  if (p < 0.0) node.fail("a probability must not be negative, found " + format_number(p, 15));
}

void check_sums_to_one(const JsonNode& node, double sum, const std::string& what) {
  if (!sums_to_one(sum))
    node.fail(what + " sum to " + format_number(sum, 15) + ", expected 1");
}

Eigen::VectorXd read_start(const JsonNode& node, const NameTable& states) {
  Eigen::VectorXd start = Eigen::VectorXd::Zero(states.size());
  if (node.is_array()) {
    node.expect_array_of_size(static_cast<std::size_t>(states.size()), "probabilities (one per state)");
    for (Index s = 0; s < states.size(); ++s) {
      const JsonNode p = node.at(static_cast<std::size_t>(s));
      start(s) = p.number();
      check_probability(p, start(s));
    }
  } else if (node.is_object()) {
    for (const auto& [name, value] : node.json().items()) {
      const JsonNode p(value, node.where() + "/" + pointer_token(name));
      const Index s = states.resolve_name(p, name);
      start(s) = p.number();
      check_probability(p, start(s));
    }
  } else {
    node.fail("expected an array over states or an object {state: probability}, found " +
              describe_type(node.json()));
  }
  check_sums_to_one(node, start.sum(), "start probabilities");
  return start;
}

std::vector<char> read_terminal(const std::optional<JsonNode>& node, const NameTable& states) {
  std::vector<char> terminal(states.size(), 0);
  if (!node) return terminal;
  node->expect_array();
  for (std::size_t i = 0; i < node->size(); ++i) {
    const JsonNode ref = node->at(i);
    const Index s = states.resolve(ref);
    if (terminal[s]) ref.fail("the state \"" + states.name(s) + "\" is listed twice");
    terminal[s] = 1;
  }
  return terminal;
}

/// Outcomes of every (s, a) row of the dense form while reading, before they are handed to the
/// builder.
using Rows = std::vector<std::vector<Outcome>>;

/// `next` of a list-form entry: {state: prob} or [{"state", "p", "reward"}, ...].
std::vector<Outcome> read_next(const JsonNode& node, const NameTable& states, double entry_reward) {
  std::vector<Outcome> row;
  double sum = 0.0;
  if (node.is_object()) {
    for (const auto& [name, value] : node.json().items()) {
      const JsonNode p(value, node.where() + "/" + pointer_token(name));
      const Index next = states.resolve_name(p, name);
      const double prob = p.number();
      check_probability(p, prob);
      sum += prob;
      if (prob > 0.0) row.push_back({next, prob, entry_reward});
    }
  } else if (node.is_array()) {
    if (node.size() == 0) node.fail("expected at least one outcome");
    for (std::size_t i = 0; i < node.size(); ++i) {
      const JsonNode outcome = node.at(i);
      outcome.expect_keys({"state", "p", "reward"});
      const Index next = states.resolve(outcome.at("state"));
      const JsonNode p = outcome.at("p");
      const double prob = p.number();
      check_probability(p, prob);
      const auto reward = outcome.find("reward");
      sum += prob;
      if (prob > 0.0) row.push_back({next, prob, entry_reward + (reward ? reward->number() : 0.0)});
    }
  } else {
    node.fail("expected an object {state: probability} or an array of outcomes, found " +
              describe_type(node.json()));
  }
  check_sums_to_one(node, sum, "probabilities");
  return row;
}

/// The rows a transition list gives, each with the outcomes of its entry, in row order: only
/// the rows listed are held, so that reading costs the list's size, not S x A.
using ListedRows = std::vector<std::pair<Index, std::vector<Outcome>>>;

ListedRows read_transition_list(const JsonNode& list, const NameTable& states, const NameTable& actions,
                                const std::vector<char>& terminal) {
  list.expect_array();
  const Index A = actions.size();
  ListedRows rows;
  rows.reserve(list.size());
  std::unordered_map<Index, std::size_t> given_at;  // row -> the entry that gives it
  for (std::size_t i = 0; i < list.size(); ++i) {
    const JsonNode entry = list.at(i);
    entry.expect_keys({"state", "action", "reward", "next"});
    const JsonNode state = entry.at("state");
    const Index s = states.resolve(state);
    if (terminal[static_cast<std::size_t>(s)])
      state.fail("\"" + states.name(s) + "\" is a terminal state, which has no transitions");
    const Index a = actions.resolve(entry.at("action"));
    const Index row = s * A + a;
    if (const auto [first, inserted] = given_at.emplace(row, i); !inserted)
      entry.fail("state \"" + states.name(s) + "\", action \"" + actions.name(a) + "\" is given twice (first at " +
                 list.where() + "/" + std::to_string(first->second) + ")");
    const auto reward = entry.find("reward");
    rows.emplace_back(row, read_next(entry.at("next"), states, reward ? reward->number() : 0.0));
  }
  // Every action of every non-terminal state needs an entry; the first row without one, in
  // row order, is at most the list's length past the terminal states' rows.
  const auto terminal_states = static_cast<Index>(std::count(terminal.begin(), terminal.end(), 1));
  if (static_cast<Index>(given_at.size()) < (states.size() - terminal_states) * A)
    for (Index s = 0; s < states.size(); ++s)
      for (Index a = 0; a < A && !terminal[static_cast<std::size_t>(s)]; ++a)
        if (!given_at.count(s * A + a))
          list.fail("no entry for state \"" + states.name(s) + "\", action \"" + actions.name(a) +
                    "\" (every action of every non-terminal state needs one)");
  std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  return rows;
}

/// Adds the listed rows to the MDP, the rows not listed (a terminal state's) empty.
void add_listed_rows(const ListedRows& rows, Index num_rows, FiniteMdpBuilder& mdp) {
  auto listed = rows.begin();
  for (Index row = 0; row < num_rows; ++row) {
    if (listed != rows.end() && listed->first == row)
      for (const Outcome& o : (listed++)->second) mdp.add_outcome(o.next, o.probability, o.reward);
    mdp.end_row();
  }
}

/// Dense form: P[s][a][s'] and R[s][a]; rows of terminal states are ignored, whatever they hold.
Rows read_dense(const JsonNode& P, const JsonNode& R, const NameTable& states,
                const NameTable& actions, const std::vector<char>& terminal) {
  const Index S = states.size(), A = actions.size();
  const auto nS = static_cast<std::size_t>(S), nA = static_cast<std::size_t>(A);
  P.expect_array_of_size(nS, "rows (one per state)");
  R.expect_array_of_size(nS, "rows (one per state)");
  Rows rows(nS * nA);
  for (Index s = 0; s < S; ++s) {
    if (terminal[s]) continue;
    const JsonNode P_s = P.at(static_cast<std::size_t>(s)), R_s = R.at(static_cast<std::size_t>(s));
    P_s.expect_array_of_size(nA, "rows (one per action)");
    R_s.expect_array_of_size(nA, "rewards (one per action)");
    for (Index a = 0; a < A; ++a) {
      const JsonNode P_sa = P_s.at(static_cast<std::size_t>(a));
      const double reward = R_s.at(static_cast<std::size_t>(a)).number();
      P_sa.expect_array_of_size(nS, "probabilities (one per state)");
      double sum = 0.0;
      std::vector<Outcome>& row = rows[static_cast<std::size_t>(s * A + a)];
      for (Index t = 0; t < S; ++t) {
        const JsonNode p = P_sa.at(static_cast<std::size_t>(t));
        const double prob = p.number();
        check_probability(p, prob);
        sum += prob;
        if (prob > 0.0) row.push_back({t, prob, reward});
      }
      check_sums_to_one(P_sa, sum, "probabilities");
    }
  }
  return rows;
}

void add_rows(const Rows& rows, FiniteMdpBuilder& mdp) {
  for (const auto& row : rows) {
    for (const Outcome& o : row) mdp.add_outcome(o.next, o.probability, o.reward);
    mdp.end_row();
  }
}

/// Linear features {state: {action: [..]}}, "*" for every state not listed by name.
Eigen::MatrixXd read_features(const JsonNode& node, const FiniteMdp& mdp, const NameTable& states,
                              const NameTable& actions) {
  const Index S = states.size(), A = actions.size();
  // The vector given for (s, a), if any, by pointer; s = S stands for "*".
  std::vector<std::optional<JsonNode>> given(static_cast<std::size_t>((S + 1) * A));
  std::optional<std::size_t> dim;
  std::string dim_from;
  for (const auto& [state_name, per_action] : node.json().items()) {
    const JsonNode state(per_action, node.where() + "/" + pointer_token(state_name));
    const Index s = state_name == "*" ? S : states.resolve_name(state, state_name);
    state.expect_object();
    for (const auto& [action_name, vector] : per_action.items()) {
      const JsonNode phi(vector, state.where() + "/" + pointer_token(action_name));
      const Index a = actions.resolve_name(phi, action_name);
      phi.expect_array();
      if (!dim) {
        if (phi.size() == 0) phi.fail("expected at least one feature");
        dim = phi.size(), dim_from = phi.where();
      } else if (phi.size() != *dim) {
        phi.fail("expected " + std::to_string(*dim) + " features, like " + dim_from + ", found " +
                 std::to_string(phi.size()));
      }
      for (std::size_t k = 0; k < phi.size(); ++k) phi.at(k).number();
      given[static_cast<std::size_t>(s * A + a)] = phi;
    }
  }
  if (!dim) node.fail("expected feature vectors {state: {action: [..]}}, found none");
  Eigen::MatrixXd features = Eigen::MatrixXd::Zero(S * A, static_cast<Index>(*dim));
  for (Index s = 0; s < S; ++s) {
    if (mdp.is_terminal(s)) continue;
    for (Index a = 0; a < A; ++a) {
      auto phi = given[static_cast<std::size_t>(s * A + a)];
      if (!phi) phi = given[static_cast<std::size_t>(S * A + a)];
      if (!phi)
        node.fail("no feature vector for state \"" + states.name(s) + "\", action \"" +
                  actions.name(a) + "\" (give one under \"" + states.name(s) + "\" or \"*\")");
      for (std::size_t k = 0; k < *dim; ++k) features(s * A + a, static_cast<Index>(k)) = phi->json()[k].get<double>();
    }
  }
  return features;
}

FinitePolicy read_policy(const JsonNode& node, const FiniteMdp& mdp, const NameTable& states,
                         const NameTable& actions) {
  node.expect_object();
  const std::string& type = node.at("type").string();
  FinitePolicy policy;
  const Index A = actions.size();
  if (type == "direct") {
    node.expect_keys({"type", "theta"});
    policy.kind = PolicyKind::direct;
    const JsonNode theta = node.at("theta");
    const Index rows = expected_num_parameters(mdp, PolicyKind::direct, 0) / A;
    theta.expect_array_of_size(static_cast<std::size_t>(rows), "rows (one per non-terminal state)");
    policy.theta.resize(rows * A);
    for (Index k = 0; k < rows; ++k) {
      const JsonNode row = theta.at(static_cast<std::size_t>(k));
      row.expect_array_of_size(static_cast<std::size_t>(A), "probabilities (one per action)");
      for (Index a = 0; a < A; ++a) {
        const JsonNode p = row.at(static_cast<std::size_t>(a));
        policy.theta(k * A + a) = p.number();
        check_probability(p, policy.theta(k * A + a));
      }
      check_sums_to_one(row, policy.theta.segment(k * A, A).sum(), "probabilities");
    }
    return policy;
  }
  if (type != "softmax") node.at("type").fail("unknown policy type \"" + type + "\" (expected \"softmax\" or \"direct\")");

  node.expect_keys({"type", "features", "theta"});
  const auto features = node.find("features");
  if (!features || (features->is_string() && features->string() == "tabular")) {
    policy.kind = PolicyKind::softmax_tabular;
  } else if (features->is_object()) {
    policy.kind = PolicyKind::softmax_linear;
    policy.features = read_features(*features, mdp, states, actions);
  } else {
    features->fail("expected \"tabular\" or an object {state: {action: [features]}}, found " +
                   (features->is_string() ? "\"" + features->string() + "\"" : describe_type(features->json())));
  }
  const Index n = expected_num_parameters(mdp, policy.kind, policy.features.cols());
  policy.theta = Eigen::VectorXd::Zero(n);
  if (const auto theta = node.find("theta")) {
    if (theta->is_number()) {
      policy.theta.setConstant(theta->number());
    } else {
      theta->expect_array_of_size(static_cast<std::size_t>(n),
                                  policy.kind == PolicyKind::softmax_tabular
                                      ? "entries (one per state and action, index s * " + std::to_string(A) + " + a)"
                                      : "entries (one per feature)");
      for (Index i = 0; i < n; ++i) policy.theta(i) = theta->at(static_cast<std::size_t>(i)).number();
    }
  }
  return policy;
}

/// How many names a "states" or "actions" node gives (a count, or an array of names), read
/// before any name is made: a count out of range is refused as NameTable::read refuses it,
/// any other fault is left to NameTable::read (0 here).
double name_count(const JsonNode& node) {
  if (node.is_number()) return static_cast<double>(node.integer(1, kMaxCount));
  return node.is_array() ? static_cast<double>(node.size()) : 0.0;
}

/// What the policy adds to a problem's size: a tabular softmax, or d linear features (the
/// length of the first feature vector). A malformed policy adds nothing; read_policy refuses it.
void add_policy_size(const std::optional<JsonNode>& policy, FiniteSize& size) {
  if (!policy || !policy->is_object()) return;
  const Json& p = policy->json();
  if (!p.contains("type") || p["type"] != "softmax") return;
  if (!p.contains("features") || p["features"] == "tabular") {
    size.softmax_tabular = true;
    return;
  }
  const Json& features = p["features"];
  if (!features.is_object() || features.empty() || !features.begin()->is_object() || features.begin()->empty()) return;
  const Json& phi = *features.begin()->begin();
  if (phi.is_array()) size.features = static_cast<double>(phi.size());
}

/// The sizes of a problem given by counts and lists, before any of it is allocated: S and A,
/// and at least one outcome for each action of each state not listed as terminal.
FiniteSize listed_size(const JsonNode& root) {
  FiniteSize size;
  size.states = name_count(root.at("states"));
  size.actions = name_count(root.at("actions"));
  const auto terminal = root.find("terminal");
  const double listed_terminal = terminal && terminal->is_array() ? static_cast<double>(terminal->size()) : 0.0;
  const double non_terminal = std::max(0.0, size.states - listed_terminal);
  size.outcomes = non_terminal * size.actions;
  size.successor_pairs = non_terminal;
  return size;
}

/// "100000000 states x 2 actions", for the refusal of a problem too large for the memory limit.
std::string describe_size(const FiniteSize& size) {
  std::string text = format_number(size.states, 15) + " states x " + format_number(size.actions, 15) +
                     (size.actions == 1 ? " action" : " actions");
  if (size.outcomes > size.states * size.actions) text += " (" + format_number(size.outcomes, 15) + " transitions)";
  return text;
}

}  // namespace

FiniteProblem read_finite_problem(const JsonNode& root, std::string_view text, const MemoryLimit& limit) {
  root.expect_keys({"problem", "name", "description", "gamma", "states", "actions", "start", "terminal",
                    "transitions", "P", "R", "policy", "generator"});
  FiniteProblem problem;
  if (const auto name = root.find("name")) problem.name = name->string();
  if (const auto description = root.find("description")) problem.description = description->string();

  const JsonNode gamma_node = root.at("gamma");
  const double gamma = gamma_node.number();
  if (!(gamma > 0.0 && gamma <= 1.0))
    gamma_node.fail("gamma must be in (0, 1], found " + format_number(gamma, 15));
  // 1 - gamma from the decimal text, exact where the double's complement is not
  const std::optional<double> one_minus_gamma = gamma_complement(gamma_node, text);

  const FiniteMdp& mdp = problem.mdp;
  NameTable states, actions;
  if (const auto generator = root.find("generator")) {
    // "generator" replaces states, actions, start, terminal and the transitions (spec §1).
    for (const char* key : {"states", "actions", "start", "terminal", "transitions", "P", "R"})
      if (const auto given = root.find(key))
        given->fail(std::string("\"") + key + "\" cannot be given with \"generator\", which generates it");
    FiniteSize size = generated_size(*generator);
    add_policy_size(root.find("policy"), size);
    require_memory(generator->where(), finite_memory_bytes(size), "the generated problem of " + describe_size(size), limit);
    problem.mdp = generate_mdp(*generator, gamma, one_minus_gamma);
    states = NameTable::of(mdp.state_names(), "state", true);
    actions = NameTable::of(mdp.action_names(), "action", false);
  } else {
    FiniteSize size = listed_size(root);
    add_policy_size(root.find("policy"), size);
    require_memory(root.at("states").where(), finite_memory_bytes(size), "a problem of " + describe_size(size), limit);
    states = NameTable::read(root.at("states"), "state");
    actions = NameTable::read(root.at("actions"), "action");
    std::vector<char> terminal = read_terminal(root.find("terminal"), states);
    Eigen::VectorXd start = read_start(root.at("start"), states);

    const auto list = root.find("transitions");
    const auto P = root.find("P");
    if (list && P) P->fail("give the transitions either as \"transitions\" or as \"P\" and \"R\", not both");
    if (!list && !P && !root.find("R"))
      root.fail("missing the transitions: give \"transitions\" (list form) or \"P\" and \"R\" (dense form)");
    FiniteMdpBuilder builder(states.size(), actions.size());
    if (list) {
      if (const auto R = root.find("R")) R->fail("\"R\" belongs to the dense form; with \"transitions\" give rewards in the list");
      add_listed_rows(read_transition_list(*list, states, actions, terminal), states.size() * actions.size(), builder);
    } else {
      add_rows(read_dense(root.at("P"), root.at("R"), states, actions, terminal), builder);
    }
    builder.gamma(gamma, one_minus_gamma).start(std::move(start)).terminal(std::move(terminal));
    builder.state_names(states.take_names()).action_names(actions.take_names());
    problem.mdp = std::move(builder).build();
    states.built = &mdp.state_names(), actions.built = &mdp.action_names();
  }
  problem.policy = read_policy(root.at("policy"), mdp, states, actions);
  if (mdp.gamma() == 1.0) require_proper(mdp, policy_probabilities(mdp, problem.policy));
  return problem;
}

}  // namespace pgtruth::detail
