"""The layers of the code, pinned: core is the ground and imports no domain app;
pairings stands on core; dispatch and projects on pairings; reporting on the domain
apps; the demo generator on everything. An app's tests and migrations are above
its layer and not checked. Core also names no domain app in its code (a string
like "pairings.School" is an import in disguise): what an app contributes (scope
rules, menus, searchable models, audit) it declares itself."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "core",
    "pairings",
    "dispatch",
    "projects",
    "reporting",
    "imports",
    "reminders",
    "inbox",
    "demo",
]
MAY_IMPORT = {
    "core": set(),
    "pairings": {"core"},
    "dispatch": {"core", "pairings"},
    "projects": {"core", "pairings"},
    "reporting": {"core", "pairings", "dispatch", "projects"},
    "imports": {"core", "pairings", "dispatch", "projects", "reporting"},
    "reminders": {"core", "pairings", "dispatch", "projects", "reporting"},
    "inbox": {"core", "pairings", "dispatch", "projects", "reporting", "imports"},
    "demo": {"core", "pairings", "dispatch", "projects", "reporting", "imports"},
}


def sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


def imported_apps(path: Path) -> set[tuple[str, int]]:
    """(app, line) of every import of a project app, at any depth of the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in APPS:
                found.add((top, node.lineno))
    return found


@pytest.mark.parametrize("app", APPS)
def test_each_app_imports_only_the_layers_below_it(app):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {other}"
        for path in sources(app)
        for other, line in sorted(imported_apps(path))
        if other != app and other not in MAY_IMPORT[app]
    ]
    assert wrong == []


DOMAIN_LABEL = re.compile(
    r"\b(pairings|dispatch|projects|reporting|imports|reminders|demo)[.:][A-Za-z_]"
)


def test_core_names_no_domain_app():
    named = []
    for path in sources("core"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and DOMAIN_LABEL.search(text):
                named.append(f"{path.relative_to(ROOT)}:{node.lineno} {text!r}")
    assert named == []


def test_the_check_sees_a_wrong_import(tmp_path):
    """The test above can fail: an import of a domain app is found at any depth."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from pairings.models import School\n")
    assert imported_apps(sample) == {("pairings", 2)}


def test_task_modules_are_imported_by_no_other_module():
    """A task module stands above the code it runs: the worker imports it, and the
    code that queues a task names it (``send_task``) instead of importing it, so
    no import cycle runs through the tasks (it did: exports ↔ tasks)."""
    wrong = []
    for app in APPS:
        for path in sources(app):
            if path.name == "tasks.py" or "management" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom):
                    continue
                names = {alias.name for alias in node.names}
                if (node.module or "").split(".")[-1] == "tasks" or "tasks" in names:
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert wrong == []


# The region subtree ("this region and everything below it") is spelled once, in
# core.scope (under, under_value, Scope.reaches, Scope.manages, may_review,
# highest); a second spelling drifts (a depth assumed, ancestors forgotten). Demo
# data may place its generated schools by path.
SUBTREE_SPELLING = re.compile(r"path__startswith|\.path\.startswith\(")


@pytest.mark.parametrize("app", [a for a in APPS if a != "demo"])
def test_the_region_subtree_is_spelled_only_in_core_scope(app):
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sources(app)
        if path != ROOT / "core" / "scope.py"
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if SUBTREE_SPELLING.search(line)
    ]
    assert found == []
