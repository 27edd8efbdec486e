"""The house's size rule (issue 25): no function or method in mailwizard/ is longer than
80 lines and no module is longer than 500, so that each part can be read in one sitting.
A function counts from its `def` (decorators excluded) to its last line, nested ones too;
a module counts its physical lines."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "mailwizard"
MAX_FUNCTION = 80
MAX_MODULE = 500


def _sources() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _too_long_functions(source: str, label: str) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION:
                out.append(f"{label}:{node.lineno} {node.name}() is {length} lines")
    return out


def test_no_function_over_80_lines():
    found = []
    for path in _sources():
        found += _too_long_functions(path.read_text(encoding="utf-8"),
                                     str(path.relative_to(ROOT.parent)))
    assert found == [], "split these by what they do:\n" + "\n".join(found)


def test_no_module_over_500_lines():
    found = [f"{path.relative_to(ROOT.parent)} is {n} lines"
             for path in _sources()
             if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE]
    assert found == [], "split these by concern:\n" + "\n".join(found)


def test_the_counter_counts_nested_functions_and_methods():
    body = "\n".join(f"        x{i} = {i}" for i in range(MAX_FUNCTION))
    source = f"class A:\n    def long(self):\n{body}\n    def short(self):\n        pass\n"
    assert _too_long_functions(source, "a.py") == [f"a.py:2 long() is {MAX_FUNCTION + 1} lines"]
    nested = f"def outer():\n    def inner():\n{body}\n    return inner\n"
    assert [line.split()[1] for line in _too_long_functions(nested, "b.py")] == \
        ["outer()", "inner()"]
