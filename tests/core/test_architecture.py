"""The house's rules, read from the source (imports inside functions and under TYPE_CHECKING
count too): no import circle anywhere in mailwizard/, and which part may lean on which —
policy (the site and vendor files, in core/admin/) is read at the edges (cli/, gui/) and
handed down, so the ground floor, the store, the checks, discovery and Connect import nothing
from admin/; the core imports neither face."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "mailwizard"


def _modules() -> dict[str, Path]:
    mods = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The mailwizard modules `name` imports, anywhere in its source."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            # `from package import module` imports that module; `from module import name`
            # (or a name from a package's __init__) imports the module itself
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base
                       for a in node.names]
        for target in targets:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _circles() -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    return out


def test_no_import_circle():
    assert _circles() == []


def test_the_circle_finder_finds_a_circle():
    saved = {k: set(v) for k, v in GRAPH.items()}
    try:
        GRAPH["mailwizard.core.i18n"].add("mailwizard.core.admin.site")
        assert any("mailwizard.core.i18n" in c for c in _circles())
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


GROUND_FLOOR = [n for n, path in MODULES.items()
                if path.parent == ROOT / "core" and path.name != "__init__.py"]
# (part, what it must not import)
RULES = [
    ("mailwizard.core", ("mailwizard.gui", "mailwizard.cli")),
    *[(name, ("mailwizard.core.admin",)) for name in GROUND_FLOOR],
    ("mailwizard.core.store", ("mailwizard.core.admin", "mailwizard.core.checks",
                               "mailwizard.core.diagnosis", "mailwizard.core.discovery")),
    ("mailwizard.core.checks", ("mailwizard.core.admin", "mailwizard.core.store")),
    ("mailwizard.core.diagnosis", ("mailwizard.core.admin", "mailwizard.core.store")),
    ("mailwizard.core.discovery", ("mailwizard.core.admin",)),
    ("mailwizard.core.oauth", ("mailwizard.core.admin",)),
    ("mailwizard.core.deliverability", ("mailwizard.core.admin",)),
]


def _under(name: str, part: str) -> bool:
    return name == part or name.startswith(part + ".")


def _broken() -> list[str]:
    """Each import that breaks a rule, as "module imports module"."""
    broken = set()
    for part, forbidden in RULES:
        for name, deps in GRAPH.items():
            if _under(name, part):
                broken |= {f"{name} imports {d}" for d in deps
                           if any(_under(d, f) for f in forbidden)}
    return sorted(broken)


def test_each_part_leans_only_on_what_it_may():
    assert _broken() == [], "a part leans on one it may not"


def test_the_rules_catch_a_part_that_reaches_up_for_policy():
    saved = {k: set(v) for k, v in GRAPH.items()}
    try:
        GRAPH["mailwizard.core.flow"].add("mailwizard.core.admin.site")
        GRAPH["mailwizard.core.store.save"].add("mailwizard.core.checks.result")
        assert _broken() == ["mailwizard.core.flow imports mailwizard.core.admin.site",
                             "mailwizard.core.store.save imports mailwizard.core.checks.result"]
    finally:
        GRAPH.clear()
        GRAPH.update(saved)
