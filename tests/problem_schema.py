#!/usr/bin/env python3
"""docs/problem.schema.json as a specification of problem files, checked with python3-jsonschema.

  problem_schema.py SOURCE_DIR

(a) the schema is a valid JSON Schema (draft 2020-12); (b) every shipped case (cases/*.json)
and the valid documents of tests/error_cases.cpp are accepted; (c) the faults of
tests/error_cases.cpp that a schema can express are rejected, each for the key at fault;
(d) the faults it cannot express are accepted by it and left to pgtruth's reader, so that this
list says where the schema stops. Exit 0 when all hold; 1 with one line a failure otherwise.
"""
import copy
import glob
import json
import os
import sys

try:
    from jsonschema import Draft202012Validator
except ImportError:
    sys.exit("problem_schema.py needs python3-jsonschema (Debian's; tools/install-deps installs it)")

# The documents of tests/error_cases.cpp.
VALID = {
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
        {"state": "s2", "action": "right", "reward": 1, "next": {"end": 1}},
    ],
    "policy": {"type": "softmax", "features": "tabular", "theta": 0},
}
DENSE = {"problem": "finite", "gamma": 0.5, "states": 2, "actions": 1, "start": [1, 0],
         "P": [[[0, 1]], [[1, 0]]], "R": [[1], [2]], "policy": {"type": "softmax"}}
LQG = {"problem": "lqg", "gamma": 0.9,
       "A": [[1, 0.1], [0, 1]], "B": [[0], [0.1]], "Q": [[1, 0], [0, 1]], "R": [[0.5]],
       "W": [[0.01, 0], [0, 0.01]], "x0": {"mean": [1, 0], "cov": [[0.1, 0], [0, 0.1]]},
       "policy": {"K": [[1, 1.5]], "Sigma": [[0.1]]}}
GRIDWORLD = {"problem": "finite", "gamma": 0.99,
             "generator": {"type": "gridworld", "width": 3, "height": 2, "slip": 0.1, "step_reward": -1},
             "policy": {"type": "softmax", "features": "tabular", "theta": 0}}
GARNET = {"problem": "finite", "gamma": 0.9,
          "generator": {"type": "garnet", "states": 10, "actions": 2, "branching": 3, "seed": 1},
          "policy": {"type": "softmax", "theta": [0.5] * 20}}


def edited(document, *edits):
    """A deep copy of `document` with each edit (path, value) made; value DELETE removes the key,
    an index one past the end of an array appends."""
    result = copy.deepcopy(document)
    for path, value in edits:
        parent = result
        for key in path[:-1]:
            parent = parent[key]
        if value is DELETE:
            del parent[path[-1]]
        elif isinstance(parent, list) and path[-1] == len(parent):
            parent.append(value)
        else:
            parent[path[-1]] = value
    return result


DELETE = object()

# Documents pgtruth accepts beyond the shipped cases: the schema must accept them too.
ACCEPTED = {
    "the valid list-form problem": VALID,
    "the valid dense problem": DENSE,
    "the valid LQG problem": LQG,
    "a generated gridworld": GRIDWORLD,
    "a generated Garnet": GARNET,
    "comment keys wherever the keys are fixed": edited(
        VALID, (("_note",), "top"), (("transitions", 0, "_why"), 1), (("transitions", 2, "next", 0, "_c"), None),
        (("policy", "_c"), [1])),
    "integer-valued numbers written with a fraction": edited(DENSE, (("states",), 2.0), (("actions",), 1.0)),
    "states and terminal states by index": edited(VALID, (("terminal",), [2]), (("transitions", 0, "state"), 0)),
    "a dense terminal state's rows holding anything": edited(
        DENSE, (("terminal",), [1]), (("P", 1), None), (("R", 1), "unused")),
    "linear features with a default": edited(
        VALID, (("policy",), {"type": "softmax", "features": {"*": {"left": [1, 0], "right": [0, 1]}}, "theta": [1, 2]})),
    "a direct policy": edited(VALID, (("policy",), {"type": "direct", "theta": [[0.5, 0.5], [1, 0]]})),
    "an LQG problem without Sigma, N, W and with a formulation": edited(
        LQG, (("policy", "Sigma"), DELETE), (("W",), DELETE), (("formulation",), "deterministic")),
}

# Faults of tests/error_cases.cpp (their names) that the schema expresses, and the key of the
# document the schema must name (the path of a reported error, or of its context, starts there).
REJECTED = [
    ("a negative probability", edited(VALID, (("transitions", 1, "next"), {"s2": 1.5, "s1": -0.5})), "transitions"),
    ("a negative start probability", edited(VALID, (("start",), [1.5, -0.5, 0])), "start"),
    ("a state index out of range (negative)", edited(VALID, (("transitions", 0, "state"), -1)), "transitions"),
    ("gamma above 1", edited(VALID, (("gamma",), 1.5)), "gamma"),
    ("gamma = 0", edited(VALID, (("gamma",), 0)), "gamma"),
    ("a JSON array at the top", [1, 2], ""),
    ("an unknown generator", edited(GRIDWORLD, (("generator",), {"type": "maze"})), "generator"),
    ("a generator with listed MDP keys", edited(GRIDWORLD, (("states",), 3)), ""),
    ("no problem key", edited(VALID, (("problem",), DELETE)), ""),
    ("an unknown problem type", edited(VALID, (("problem",), "pomdp")), "problem"),
    ("an unknown top-level key (a typo)", edited(VALID, (("gama",), 0.9)), ""),
    ("a missing gamma", edited(VALID, (("gamma",), DELETE)), ""),
    ("gamma as a string", edited(VALID, (("gamma",), "0.9")), "gamma"),
    ("gamma null", edited(VALID, (("gamma",), None)), "gamma"),
    ("states as an object", edited(VALID, (("states",), {"s1": 1})), "states"),
    ("a fractional state count", edited(VALID, (("states",), 2.5)), "states"),
    ("a negative state count", edited(DENSE, (("states",), -2)), "states"),
    ("a state count above 10^8", edited(DENSE, (("states",), 100000001)), "states"),
    ("no actions", edited(VALID, (("actions",), [])), "actions"),
    ("a duplicated state name", edited(VALID, (("states",), ["s1", "s1", "end"])), "states"),
    ("an empty state name", edited(VALID, (("states",), ["s1", "", "end"])), "states"),
    ("a state name that is a number", edited(VALID, (("states",), ["s1", 2, "end"])), "states"),
    ("a terminal state listed twice (the same way)", edited(VALID, (("terminal",), ["end", "end"])), "terminal"),
    ("transitions as an object", edited(VALID, (("transitions",), {"a": VALID["transitions"]})), "transitions"),
    ("an unknown key in a transition", edited(VALID, (("transitions", 0, "rewrd"), -1)), "transitions"),
    ("a transition without next", edited(VALID, (("transitions", 0, "next"), DELETE)), "transitions"),
    ("next as a number", edited(VALID, (("transitions", 0, "next"), 1)), "transitions"),
    ("an empty outcome list", edited(VALID, (("transitions", 2, "next"), [])), "transitions"),
    ("an empty next object", edited(VALID, (("transitions", 0, "next"), {})), "transitions"),
    ("an outcome without p", edited(VALID, (("transitions", 2, "next", 0, "p"), DELETE)), "transitions"),
    ("an outcome with probability written 'prob'", edited(
        VALID, (("transitions", 2, "next", 0), {"state": "s1", "prob": 1, "reward": 2})), "transitions"),
    ("both list and dense transitions", edited(VALID, (("P",), []), (("R",), [])), ""),
    ("no transitions at all", edited(VALID, (("transitions",), DELETE)), ""),
    ("dense P without R", edited(DENSE, (("R",), DELETE)), ""),
    ("dense R with transitions", edited(VALID, (("R",), [[1, 1], [1, 1], [0, 0]])), ""),
    ("dense R with a string", edited(DENSE, (("R", 1, 0), "2")), "R"),
    ("dense P with a negative probability", edited(DENSE, (("P", 0, 0), [1.5, -0.5])), "P"),
    ("no policy", edited(VALID, (("policy",), DELETE)), ""),
    ("a policy without type", edited(VALID, (("policy", "type"), DELETE)), "policy"),
    ("an unknown policy type", edited(VALID, (("policy", "type"), "gaussian")), "policy"),
    ("an unknown feature kind", edited(VALID, (("policy", "features"), "one-hot")), "policy"),
    ("theta with a boolean", edited(VALID, (("policy", "theta"), [0, 0, True, 0, 0, 0])), "policy"),
    ("an unknown key in the policy", edited(VALID, (("policy", "temperature"), 2)), "policy"),
    ("a feature that is not a number", edited(
        VALID, (("policy", "features"), {"*": {"left": [1, "x"], "right": [0, 1]}})), "policy"),
    ("an empty feature vector", edited(VALID, (("policy", "features"), {"*": {"left": [], "right": []}})), "policy"),
    ("a direct policy without theta", edited(VALID, (("policy",), {"type": "direct"})), "policy"),
    ("a direct policy with a negative probability", edited(
        VALID, (("policy",), {"type": "direct", "theta": [[1.5, -0.5], [1, 0]]})), "policy"),
    ("a direct policy with features", edited(
        VALID, (("policy",), {"type": "direct", "features": "tabular", "theta": [[1, 0], [1, 0]]})), "policy"),
    ("a gridworld without height", edited(GRIDWORLD, (("generator", "height"), DELETE)), "generator"),
    ("a gridworld of width 0", edited(GRIDWORLD, (("generator", "width"), 0)), "generator"),
    ("a gridworld slip above 1", edited(GRIDWORLD, (("generator", "slip"), 1.5)), "generator"),
    ("a gridworld with a Garnet key", edited(GRIDWORLD, (("generator", "seed"), 1)), "generator"),
    ("a Garnet without seed", edited(GARNET, (("generator", "seed"), DELETE)), "generator"),
    ("a Garnet with a negative seed", edited(GARNET, (("generator", "seed"), -1)), "generator"),
    ("a Garnet seed above 2^53", edited(GARNET, (("generator", "seed"), 2 ** 53 + 2)), "generator"),
    ("a Garnet of 0 actions", edited(GARNET, (("generator", "actions"), 0)), "generator"),
    ("LQG: an unknown formulation", edited(LQG, (("formulation",), "robust")), "formulation"),
    ("LQG: an unknown key in x0", edited(LQG, (("x0",), {"mu": [1, 0], "cov": [[0.1, 0], [0, 0.1]]})), "x0"),
    ("LQG: a missing policy gain", edited(LQG, (("policy", "K"), DELETE)), "policy"),
    ("LQG: a matrix given as a number", edited(LQG, (("R",), 0.5)), "R"),
    ("LQG: an empty matrix", edited(LQG, (("A",), [])), "A"),
    ("LQG: an empty row", edited(LQG, (("B",), [[], []])), "B"),
    ("LQG: a missing x0", edited(LQG, (("x0",), DELETE)), ""),
    ("LQG: a finite key", edited(LQG, (("states",), 2)), ""),
    ("LQG: gamma above 1", edited(LQG, (("gamma",), 1.5)), "gamma"),
]

# Faults of tests/error_cases.cpp that a schema cannot express: the schema accepts them and
# pgtruth's reader refuses them (with the message error_cases.cpp gives).
NOT_EXPRESSIBLE = [
    ("a row that does not sum to 1 (sums)", edited(VALID, (("transitions", 1, "next"), {"s2": 0.5, "s1": 0.3}))),
    ("a start that does not sum to 1 (sums)", edited(VALID, (("start",), {"s1": 0.6, "s2": 0.3}))),
    ("a direct policy row that does not sum to 1 (sums)", edited(
        VALID, (("policy",), {"type": "direct", "theta": [[0.5, 0.5], [0.5, 0.4]]}))),
    ("a missing (state, action) of a non-terminal state (coverage)", edited(VALID, (("transitions",), VALID["transitions"][1:]))),
    ("a duplicated (state, action) (coverage)", edited(VALID, (("transitions", 3, "state"), "s1"), (("transitions", 3, "action"), "left"))),
    ("list-form transitions for a terminal state (coverage)", edited(
        VALID, (("transitions", 4), {"state": "end", "action": "left", "next": {"end": 1}}))),
    ("an unknown state name (references)", edited(VALID, (("transitions", 0, "next"), {"s9": 1}))),
    ("an unknown action name (references)", edited(VALID, (("transitions", 0, "action"), "jump"))),
    ("an unknown terminal state (references)", edited(VALID, (("terminal",), ["fin"]))),
    ("a state index out of range (references)", edited(VALID, (("transitions", 0, "state"), 3))),
    ("a terminal state listed by name and by index (references)", edited(VALID, (("terminal",), ["end", 2]))),
    ("start of the wrong length (sizes)", edited(VALID, (("start",), [1, 0]))),
    ("dense P with too few rows (sizes)", edited(DENSE, (("P",), [[[0, 1]]]))),
    ("dense P row of the wrong length (sizes)", edited(DENSE, (("P", 1), [[1, 0, 0]]))),
    ("tabular theta of the wrong length (sizes)", edited(VALID, (("policy", "theta"), [1, 2, 3]))),
    ("linear features of different lengths (sizes)", edited(
        VALID, (("policy", "features"), {"*": {"left": [1, 0], "right": [0, 1, 2]}}))),
    ("linear features missing for an action (coverage)", edited(VALID, (("policy", "features"), {"*": {"left": [1, 0]}}))),
    ("a Garnet branching above its states (sizes)", edited(GARNET, (("generator", "branching"), 11))),
    ("gamma = 1 with a policy that never terminates (properness)", edited(
        VALID, (("gamma",), 1), (("policy",), {"type": "direct", "theta": [[0.5, 0.5], [1, 0]]}))),
    ("LQG: A not square (sizes)", edited(LQG, (("A",), [[1, 0.1, 0], [0, 1, 0]]))),
    ("LQG: a ragged matrix (sizes)", edited(LQG, (("Q",), [[1, 0], [0]]))),
    ("LQG: Q not symmetric (linear algebra)", edited(LQG, (("Q",), [[1, 0.5], [0, 1]]))),
    ("LQG: R not positive definite (linear algebra)", edited(LQG, (("R",), [[0]]))),
    ("LQG: gamma = 1 with noise (noise)", edited(LQG, (("gamma",), 1))),
]
# Not JSON documents at all, or JSON a parser reads without complaint, are out of a schema's
# reach too: an empty file, a syntax error, a key repeated in one object, 1e999.


def main():
    source = sys.argv[1]
    with open(os.path.join(source, "docs", "problem.schema.json")) as f:
        schema = json.load(f)
    failures = []
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as e:  # jsonschema.SchemaError
        print(f"problem.schema.json is not a valid draft 2020-12 schema: {e}")
        return 1
    validator = Draft202012Validator(schema)

    cases = sorted(glob.glob(os.path.join(source, "cases", "*.json")))
    if len(cases) < 10:
        failures.append(f"expected the shipped cases in {source}/cases, found {len(cases)} files")
    for path in cases:
        with open(path) as f:
            accepted = {os.path.relpath(path, source): json.load(f)}
        ACCEPTED.update(accepted)
    for name, document in ACCEPTED.items():
        errors = list(validator.iter_errors(document))
        if errors:
            e = errors[0]
            failures.append(f"{name}: rejected at /{'/'.join(map(str, e.absolute_path))}: {e.message}")
    for name, document in NOT_EXPRESSIBLE:
        if not validator.is_valid(document):
            failures.append(f"{name}: listed as beyond the schema, but the schema rejects it (move it to REJECTED)")

    for name, document, key in REJECTED:
        errors = list(validator.iter_errors(document))
        if not errors:
            failures.append(f"{name}: accepted, expected a rejection at /{key}")
            continue
        # The schema names the key at fault: some error's path starts at it (for a fault of
        # the top-level object, the path is empty).
        paths = [list(e.absolute_path) for e in errors]
        if not any((p[:1] == [key]) if key else True for p in paths):
            failures.append(f"{name}: rejected, but at {paths}, not at /{key}")

    for line in failures:
        print(line)
    checked = len(ACCEPTED) + len(REJECTED) + len(NOT_EXPRESSIBLE)
    print(f"problem.schema.json: {checked} documents, {len(failures)} failures "
          f"({len(cases)} shipped cases accepted, {len(REJECTED)} faults rejected, "
          f"{len(NOT_EXPRESSIBLE)} faults left to the reader)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
