#include "error_cases.hpp"

#include <stdexcept>

namespace pgtruth::test {
namespace {

const std::string kValid = R"({
  "problem": "finite",
  "gamma": 0.9,
  "states": ["s1", "s2", "end"],
  "actions": ["left", "right"],
  "start": {"s1": 1},
  "terminal": ["end"],
  "transitions": [
    {"state": "s1", "action": "left", "reward": -1, "next": {"s1": 1}},
    {"state": "s1", "action": "right", "reward": -1, "next": {"s2": 0.5, "s1": 0.5}},
    {"state": "s2", "action": "left", "next": [{"state": "s1", "p": 1, "reward": 2}]},
    {"state": "s2", "action": "right", "reward": 1, "next": {"end": 1}}
  ],
  "policy": {"type": "softmax", "features": "tabular", "theta": 0}
})";

const std::string kDense = R"({"problem": "finite", "gamma": 0.5, "states": 2, "actions": 1, "start": [1, 0],
  "P": [[[0, 1]], [[1, 0]]], "R": [[1], [2]], "policy": {"type": "softmax"}})";

std::string replaced(const std::string& text, const std::string& find, const std::string& replace) {
  const auto at = text.find(find);
  if (at == std::string::npos) throw std::logic_error("error case: '" + find + "' not in the document");
  return text.substr(0, at) + replace + text.substr(at + find.size());
}

}  // namespace

std::string valid_with(const std::string& find, const std::string& replace) { return replaced(kValid, find, replace); }

namespace {

/// The valid problem with several replacements, made in order.
std::string edited(std::initializer_list<std::pair<std::string, std::string>> edits, std::string text = kValid) {
  for (const auto& [find, replace] : edits) text = replaced(text, find, replace);
  return text;
}

const std::string kTabular = R"({"type": "softmax", "features": "tabular", "theta": 0})";

const std::string kLqg = R"({"problem": "lqg", "gamma": 0.9,
  "A": [[1, 0.1], [0, 1]], "B": [[0], [0.1]], "Q": [[1, 0], [0, 1]], "R": [[0.5]],
  "W": [[0.01, 0], [0, 0.01]], "x0": {"mean": [1, 0], "cov": [[0.1, 0], [0, 0.1]]},
  "policy": {"K": [[1, 1.5]], "Sigma": [[0.1]]}})";

std::string lqg_with(const std::string& find, const std::string& replace) { return replaced(kLqg, find, replace); }

}  // namespace

const std::vector<ErrorCase>& error_cases() {
  static const std::vector<ErrorCase> cases{
      // --- The error cases the spec lists (§1) ---
      {"a missing (state, action) of a non-terminal state",
       valid_with(R"({"state": "s1", "action": "left", "reward": -1, "next": {"s1": 1}},)", ""),
       "x.json: /transitions: no entry for state \"s1\", action \"left\" (every action of every non-terminal state needs one)"},
      {"a duplicated (state, action)",
       valid_with(R"({"state": "s2", "action": "right")", R"({"state": "s1", "action": "left")"),
       "x.json: /transitions/3: state \"s1\", action \"left\" is given twice (first at /transitions/0)"},
      {"list-form transitions for a terminal state",
       valid_with(R"("next": {"end": 1}})", R"("next": {"end": 1}}, {"state": "end", "action": "left", "next": {"end": 1}})"),
       "x.json: /transitions/4/state: \"end\" is a terminal state, which has no transitions"},
      {"a negative probability", valid_with(R"({"s2": 0.5, "s1": 0.5})", R"({"s2": 1.5, "s1": -0.5})"),
       "x.json: /transitions/1/next/s1: a probability must not be negative, found -0.5"},
      {"a row that does not sum to 1", valid_with(R"({"s2": 0.5, "s1": 0.5})", R"({"s2": 0.5, "s1": 0.3})"),
       "x.json: /transitions/1/next: probabilities sum to 0.8, expected 1"},
      {"an outcome list that does not sum to 1", valid_with(R"("p": 1, "reward": 2)", R"("p": 0.999, "reward": 2)"),
       "x.json: /transitions/2/next: probabilities sum to 0.999, expected 1"},
      {"a row off by more than 1e-9", valid_with(R"({"s2": 0.5, "s1": 0.5})", R"({"s2": 0.5, "s1": 0.500000002})"),
       "x.json: /transitions/1/next: probabilities sum to 1.000000002, expected 1"},
      {"a start that does not sum to 1", valid_with(R"({"s1": 1})", R"({"s1": 0.6, "s2": 0.3})"),
       "x.json: /start: start probabilities sum to 0.9, expected 1"},
      {"a negative start probability", valid_with(R"({"s1": 1})", R"([1.5, -0.5, 0])"),
       "x.json: /start/1: a probability must not be negative, found -0.5"},
      {"an unknown state name", valid_with(R"("next": {"s1": 1})", R"("next": {"s9": 1})"),
       "x.json: /transitions/0/next/s9: unknown state \"s9\""},
      {"an unknown action name", valid_with(R"("action": "left")", R"("action": "jump")"),
       "x.json: /transitions/0/action: unknown action \"jump\""},
      {"an unknown state in start", valid_with(R"({"s1": 1})", R"({"s0": 1})"), "x.json: /start/s0: unknown state \"s0\""},
      {"an unknown terminal state", valid_with(R"(["end"])", R"(["fin"])"), "x.json: /terminal/0: unknown state \"fin\""},
      {"a state index out of range", valid_with(R"({"state": "s1", "action": "left")", R"({"state": 3, "action": "left")"),
       "x.json: /transitions/0/state: expected an integer from 0 to 2, found 3"},
      {"gamma above 1", valid_with(R"("gamma": 0.9)", R"("gamma": 1.5)"), "x.json: /gamma: gamma must be in (0, 1], found 1.5"},
      {"gamma = 0", valid_with(R"("gamma": 0.9)", R"("gamma": 0)"), "x.json: /gamma: gamma must be in (0, 1], found 0"},
      {"gamma = 1 with a policy that never terminates",
       edited({{R"("gamma": 0.9)", R"("gamma": 1)"},
               {kTabular, R"({"type": "direct", "theta": [[0.5, 0.5], [1, 0]]})"}}),
       "x.json: /gamma: gamma = 1 but the policy does not reach a terminal state with probability 1: from state \"s1\" "
       "(reachable from start) no terminal state can be reached"},

      // --- Not JSON, or not a problem ---
      {"an empty file", "", "x.json: /: the file is empty; expected a JSON object"},
      {"white space only", "  \n\t ", "x.json: /: the file is empty; expected a JSON object"},
      {"not JSON", "problem: finite",
       "x.json: /: not valid JSON: parse error at line 1, column 1: syntax error while parsing value - invalid literal; "
       "last read: 'p'"},
      {"truncated JSON", kValid.substr(0, 40),
       "x.json: /: not valid JSON: parse error at line 3, column 16: syntax error while parsing object key - unexpected "
       "end of input; expected string literal"},
      {"a JSON array at the top", "[1, 2]", "x.json: /: expected an object, found an array"},
      {"a number too large for a double", valid_with(R"("reward": -1, "next": {"s1": 1})", R"("reward": -1e999, "next": {"s1": 1})"),
       "x.json: /transitions/0/reward: not a finite number: number overflow parsing '-1e999'"},
      {"a repeated key", valid_with(R"("gamma": 0.9,)", R"("gamma": 0.9, "gamma": 0.5,)"),
       "x.json: /gamma: the key \"gamma\" appears twice in this object"},
      {"a repeated key deep inside", valid_with(R"({"s2": 0.5, "s1": 0.5})", R"({"s2": 0.5, "s2": 0.5})"),
       "x.json: /transitions/1/next/s2: the key \"s2\" appears twice in this object"},
      {"an unknown generator", valid_with(R"("gamma": 0.9,)", R"("gamma": 0.9, "generator": {"type": "maze"},)"),
       "x.json: /states: \"states\" cannot be given with \"generator\", which generates it"},
      {"no problem key", valid_with(R"("problem": "finite",)", ""), "x.json: /: missing required key \"problem\""},
      {"an unknown problem type", valid_with(R"("problem": "finite")", R"("problem": "pomdp")"),
       "x.json: /problem: unknown problem type \"pomdp\" (expected \"finite\" or \"lqg\")"},
      {"an unknown top-level key (a typo)", valid_with(R"("gamma": 0.9)", R"("gama": 0.9, "gamma": 0.9)"),
       "x.json: /gama: unknown key \"gama\" (expected one of: problem, name, description, gamma, states, actions, "
       "start, terminal, transitions, P, R, policy, generator)"},
      {"a missing gamma", valid_with(R"("gamma": 0.9,)", ""), "x.json: /: missing required key \"gamma\""},
      {"gamma as a string", valid_with(R"("gamma": 0.9)", R"("gamma": "0.9")"),
       "x.json: /gamma: expected a number, found a string"},
      {"gamma null", valid_with(R"("gamma": 0.9)", R"("gamma": null)"), "x.json: /gamma: expected a number, found null"},
      {"states as an object", valid_with(R"(["s1", "s2", "end"])", R"({"s1": 1})"),
       "x.json: /states: expected a count or an array of state names, found an object"},
      {"a fractional state count", valid_with(R"(["s1", "s2", "end"])", "2.5"),
       "x.json: /states: expected an integer, found 2.5"},
      {"no actions", valid_with(R"(["left", "right"])", "[]"), "x.json: /actions: expected at least one action"},
      {"a duplicated state name", valid_with(R"(["s1", "s2", "end"])", R"(["s1", "s1", "end"])"),
       "x.json: /states/1: the state \"s1\" is named twice"},
      {"a state name that is a number", valid_with(R"(["s1", "s2", "end"])", R"(["s1", 2, "end"])"),
       "x.json: /states/1: expected a string, found a number"},
      {"a terminal state listed twice", valid_with(R"(["end"])", R"(["end", 2])"),
       "x.json: /terminal/1: the state \"end\" is listed twice"},
      {"start of the wrong length", valid_with(R"({"s1": 1})", "[1, 0]"),
       "x.json: /start: expected 3 probabilities (one per state), found 2"},
      {"transitions as an object", edited({{R"("transitions": [)", R"("transitions": {"a": [)"}, {"}\n  ],", "}\n  ]},"}}),
       "x.json: /transitions: expected an array, found an object"},
      {"an unknown key in a transition", valid_with(R"("reward": -1, "next": {"s1": 1})", R"("rewrd": -1, "next": {"s1": 1})"),
       "x.json: /transitions/0/rewrd: unknown key \"rewrd\" (expected one of: state, action, reward, next)"},
      {"a transition without next", valid_with(R"(, "next": {"s1": 1})", ""),
       "x.json: /transitions/0: missing required key \"next\""},
      {"next as a number", valid_with(R"("next": {"s1": 1})", R"("next": 1)"),
       "x.json: /transitions/0/next: expected an object {state: probability} or an array of outcomes, found a number"},
      {"an empty outcome list", valid_with(R"([{"state": "s1", "p": 1, "reward": 2}])", "[]"),
       "x.json: /transitions/2/next: expected at least one outcome"},
      {"an outcome without p", valid_with(R"("p": 1, "reward": 2)", R"("reward": 2)"),
       "x.json: /transitions/2/next/0: missing required key \"p\""},
      {"an outcome with probability written 'prob'", valid_with(R"("p": 1, "reward": 2)", R"("prob": 1, "reward": 2)"),
       "x.json: /transitions/2/next/0/prob: unknown key \"prob\" (expected one of: state, p, reward)"},
      {"both list and dense transitions", valid_with(R"("policy")", R"("P": [], "R": [], "policy")"),
       "x.json: /P: give the transitions either as \"transitions\" or as \"P\" and \"R\", not both"},
      {"no transitions at all", edited({{R"("transitions": [)", R"("_transitions": [)"}}),
       "x.json: /: missing the transitions: give \"transitions\" (list form) or \"P\" and \"R\" (dense form)"},

      // --- Dense form ---
      {"dense P without R", replaced(kDense, R"("R": [[1], [2]],)", ""), "x.json: /: missing required key \"R\""},
      {"dense P with too few rows", replaced(kDense, R"("P": [[[0, 1]], [[1, 0]]])", R"("P": [[[0, 1]]])"),
       "x.json: /P: expected 2 rows (one per state), found 1"},
      {"dense P row of the wrong length", replaced(kDense, R"([[1, 0]])", R"([[1, 0, 0]])"),
       "x.json: /P/1/0: expected 2 probabilities (one per state), found 3"},
      {"dense P row not summing to 1", replaced(kDense, R"([[1, 0]])", R"([[0.7, 0]])"),
       "x.json: /P/1/0: probabilities sum to 0.7, expected 1"},
      {"dense R with a string", replaced(kDense, R"([[1], [2]])", R"([[1], ["2"]])"),
       "x.json: /R/1/0: expected a number, found a string"},
      {"dense R row of the wrong length", replaced(kDense, R"([[1], [2]])", R"([[1], [2, 3]])"),
       "x.json: /R/1: expected 1 rewards (one per action), found 2"},

      // --- Policies ---
      {"no policy", valid_with(R"(,
  "policy": {"type": "softmax", "features": "tabular", "theta": 0})", ""), "x.json: /: missing required key \"policy\""},
      {"an unknown policy type", valid_with(R"("type": "softmax")", R"("type": "gaussian")"),
       "x.json: /policy/type: unknown policy type \"gaussian\" (expected \"softmax\" or \"direct\")"},
      {"an unknown feature kind", valid_with(R"("features": "tabular")", R"("features": "one-hot")"),
       "x.json: /policy/features: expected \"tabular\" or an object {state: {action: [features]}}, found \"one-hot\""},
      {"tabular theta of the wrong length", valid_with(R"("theta": 0)", R"("theta": [1, 2, 3])"),
       "x.json: /policy/theta: expected 6 entries (one per state and action, index s * 2 + a), found 3"},
      {"theta with a boolean", valid_with(R"("theta": 0)", R"("theta": [0, 0, true, 0, 0, 0])"),
       "x.json: /policy/theta/2: expected a number, found a boolean"},
      {"an unknown key in the policy", valid_with(R"("theta": 0)", R"("theta": 0, "temperature": 2)"),
       "x.json: /policy/temperature: unknown key \"temperature\" (expected one of: type, features, theta)"},
      {"linear features missing for an action",
       valid_with(R"("features": "tabular", "theta": 0)", R"("features": {"*": {"left": [1, 0]}})"),
       "x.json: /policy/features: no feature vector for state \"s1\", action \"right\" (give one under \"s1\" or \"*\")"},
      {"linear features of different lengths",
       valid_with(R"("features": "tabular", "theta": 0)", R"("features": {"*": {"left": [1, 0], "right": [0, 1, 2]}})"),
       "x.json: /policy/features/*/right: expected 2 features, like /policy/features/*/left, found 3"},
      {"linear features for an unknown state",
       valid_with(R"("features": "tabular", "theta": 0)", R"("features": {"s7": {"left": [1]}})"),
       "x.json: /policy/features/s7: unknown state \"s7\""},
      {"a feature that is not a number",
       valid_with(R"("features": "tabular", "theta": 0)", R"("features": {"*": {"left": [1, "x"], "right": [0, 1]}})"),
       "x.json: /policy/features/*/left/1: expected a number, found a string"},
      {"linear theta of the wrong length",
       valid_with(R"("features": "tabular", "theta": 0)", R"("features": {"*": {"left": [1, 0], "right": [0, 1]}}, "theta": [1])"),
       "x.json: /policy/theta: expected 2 entries (one per feature), found 1"},
      {"a direct policy with a row per state, terminal included",
       valid_with(kTabular, R"({"type": "direct", "theta": [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]})"),
       "x.json: /policy/theta: expected 2 rows (one per non-terminal state), found 3"},
      {"a direct policy row that does not sum to 1",
       valid_with(kTabular, R"({"type": "direct", "theta": [[0.5, 0.5], [0.5, 0.4]]})"),
       "x.json: /policy/theta/1: probabilities sum to 0.9, expected 1"},
      {"a direct policy with features", valid_with(kTabular, R"({"type": "direct", "features": "tabular", "theta": [[1, 0], [1, 0]]})"),
       "x.json: /policy/features: unknown key \"features\" (expected one of: type, theta)"},

      // --- LQG (spec §2) ---
      {"LQG: A not square", lqg_with(R"("A": [[1, 0.1], [0, 1]])", R"("A": [[1, 0.1, 0], [0, 1, 0]])"),
       "x.json: /A: A must be square, found 2 x 3"},
      {"LQG: B with the wrong number of rows", lqg_with(R"("B": [[0], [0.1]])", R"("B": [[0.1]])"),
       "x.json: /B: expected B (n x m) with 2 rows, found 1"},
      {"LQG: a ragged matrix", lqg_with(R"("Q": [[1, 0], [0, 1]])", R"("Q": [[1, 0], [0]])"),
       "x.json: /Q/1: expected 2 entries in each row of Q (n x n), found 1"},
      {"LQG: Q not symmetric", lqg_with(R"("Q": [[1, 0], [0, 1]])", R"("Q": [[1, 0.5], [0, 1]])"),
       "x.json: /Q: Q must be symmetric (|M - M'| reaches 0.5)"},
      {"LQG: R not positive definite", lqg_with(R"("R": [[0.5]])", R"("R": [[0]])"),
       "x.json: /R: R must be positive definite (its smallest eigenvalue is 0)"},
      {"LQG: a stage cost that is not positive semi-definite", lqg_with(R"("R": [[0.5]],)", R"("R": [[0.5]], "N": [[2], [0]],)"),
       "x.json: /N: the stage cost [[Q, N], [N', R]] must be positive semi-definite (its smallest eigenvalue is -1.26556)"},
      {"LQG: W not positive semi-definite", lqg_with(R"("W": [[0.01, 0], [0, 0.01]])", R"("W": [[0.01, 0], [0, -0.1]])"),
       "x.json: /W: W (n x n) must be positive semi-definite (its smallest eigenvalue is -0.1)"},
      {"LQG: x0.cov not symmetric", lqg_with(R"("cov": [[0.1, 0], [0, 0.1]])", R"("cov": [[0.1, 0.01], [0, 0.1]])"),
       "x.json: /x0/cov: x0.cov (n x n) must be symmetric (|M - M'| reaches 0.01)"},
      {"LQG: x0.mean of the wrong length", lqg_with(R"("mean": [1, 0])", R"("mean": [1, 0, 0])"),
       "x.json: /x0/mean: expected 2 entries in x0.mean, found 3"},
      {"LQG: K of the wrong shape", lqg_with(R"("K": [[1, 1.5]])", R"("K": [[1], [1.5]])"),
       "x.json: /policy/K: expected K (m x n) with 1 rows, found 2"},
      {"LQG: Sigma not positive semi-definite", lqg_with(R"("Sigma": [[0.1]])", R"("Sigma": [[-0.1]])"),
       "x.json: /policy/Sigma: Sigma (m x m) must be positive semi-definite (its smallest eigenvalue is -0.1)"},
      {"LQG: gamma = 1 with noise", lqg_with(R"("gamma": 0.9)", R"("gamma": 1)"),
       "x.json: /gamma: gamma = 1 needs Sigma = 0 and W = 0: with noise the undiscounted cost is infinite"},
      {"LQG: an unknown formulation", lqg_with(R"("gamma": 0.9)", R"("gamma": 0.9, "formulation": "robust")"),
       "x.json: /formulation: unknown formulation \"robust\" (expected \"stochastic\" or \"deterministic\")"},
      {"LQG: an unknown key in x0", lqg_with(R"("mean": [1, 0])", R"("mu": [1, 0])"),
       "x.json: /x0/mu: unknown key \"mu\" (expected one of: mean, cov)"},
      {"LQG: a missing policy gain", lqg_with(R"("K": [[1, 1.5]], )", ""),
       "x.json: /policy: missing required key \"K\""},
      {"LQG: a matrix given as a number", lqg_with(R"("R": [[0.5]])", R"("R": 0.5)"),
       "x.json: /R: expected an array, found a number"},
  };
  return cases;
}

}  // namespace pgtruth::test
