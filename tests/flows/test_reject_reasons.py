"""The reject reasons' explanations (`flows.reject_reasons`) against the code that gives
rejects: every reason a module of flows/ writes, read from its source, has one. So do the
reasons of `cleaners.decoding`, whose refusals the readers write as rejects."""

import ast
from pathlib import Path

from flows.reject_reasons import REJECT_REASONS

ROOT = Path(__file__).resolve().parents[2]
REJECTING_MODULES = [*sorted((ROOT / "flows").glob("*.py")), ROOT / "cleaners" / "decoding.py"]


def _trees() -> list[ast.Module]:
    return [ast.parse(path.read_text(encoding="utf-8")) for path in REJECTING_MODULES]


def _string_constants(trees: list[ast.Module]) -> dict[str, str]:
    """Module-level `NAME = "text"` assignments of every module."""
    return {
        target.id: node.value.value
        for tree in trees
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name) and isinstance(node.value.value, str)
    }


def _reason_positions(trees: list[ast.Module]) -> dict[str, int]:
    """Per class or function of flows/, the position of its `reason` argument: a dataclass's
    field or a parameter (without `self`) named so."""
    positions = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                init = next(
                    (item for item in node.body if getattr(item, "name", "") == "__init__"), None
                )
                names = (
                    [arg.arg for arg in init.args.args[1:]]
                    if isinstance(init, ast.FunctionDef)
                    else [item.target.id for item in node.body if isinstance(item, ast.AnnAssign)]
                )
            elif isinstance(node, ast.FunctionDef):
                names = [arg.arg for arg in node.args.args]
            else:
                continue
            if "reason" in names:
                positions[node.name] = names.index("reason")
    return positions


def _reason_values(trees: list[ast.Module], positions: dict[str, int]) -> list[ast.expr]:
    """What is given as a reason: a `reason=` argument or the argument in `reason`'s place,
    a row's "reason" value, a value assigned to a `reason` (name, attribute or one of several
    names)."""
    values: list[ast.expr] = []
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                values += [keyword.value for keyword in node.keywords if keyword.arg == "reason"]
                called = getattr(node.func, "id", getattr(node.func, "attr", None))
                if called in positions and positions[called] < len(node.args):
                    values.append(node.args[positions[called]])
            elif isinstance(node, ast.Dict):
                values += [
                    value
                    for key, value in zip(node.keys, node.values, strict=True)
                    if isinstance(key, ast.Constant) and key.value == "reason"
                ]
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if getattr(target, "id", getattr(target, "attr", None)) == "reason":
                        values.append(node.value)
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        values += [
                            value
                            for name, value in zip(target.elts, node.value.elts, strict=True)
                            if getattr(name, "id", None) == "reason"
                        ]
    return values


def reasons_given_in_flows() -> set[str]:
    """Every reject reason the code of flows/ (and cleaners.decoding) spells out, as a literal
    or a module constant."""
    trees = _trees()
    constants = _string_constants(trees)
    found = set()
    for value in _reason_values(trees, _reason_positions(trees)):
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.add(value.value)
        elif isinstance(value, ast.Name) and value.id in constants:
            found.add(constants[value.id])
    return found


def test_every_reject_reason_the_flows_give_has_an_explanation_and_no_other_is_kept():
    given = reasons_given_in_flows()

    # The scan sees reasons of every kind of writer: a reader, a batch, a worker, the run.
    assert {"empty_file", "truncated_gzip", "no_main_content", "worker_died"} <= given
    assert {"batch_failed", "duplicate", "source_deleted", "unwritable_value"} <= given
    assert sorted(given - set(REJECT_REASONS)) == []
    assert sorted(set(REJECT_REASONS) - given) == []


def test_each_explanation_is_one_sentence_on_one_line():
    for reason, explanation in REJECT_REASONS.items():
        assert reason.isidentifier() and reason == reason.lower(), reason
        assert "\n" not in explanation and explanation.endswith("."), reason
        assert explanation[0].isupper(), reason
