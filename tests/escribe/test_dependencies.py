"""Dependencies point one way: comments may import blog, blog never imports comments, escribe imports no app.

Read from the source with `ast`, so an import inside a function counts as
much as one at the top of a module.
"""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APPS = ("blog", "comments")
# package -> the packages it must never import
FORBIDDEN = {
    "blog": {"comments", "moving"},
    "comments": {"moving"},
    "escribe": {*APPS, "moving"},
}


def imported_packages(path):
    """The top-level packages a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif _imports_by_name(node):
            found.add(node.args[0].value.split(".")[0])
    return found


def _imports_by_name(node):
    """importlib.import_module("comments.models") and the like, with a literal name."""
    if not isinstance(node, ast.Call) or getattr(node.func, "id", getattr(node.func, "attr", "")) != "import_module":
        return False
    return bool(node.args) and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)


def sources(package):
    return sorted((REPO / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_never_imports_what_it_must_not(package):
    offending = {
        str(path.relative_to(REPO)): sorted(imported_packages(path) & FORBIDDEN[package]) for path in sources(package)
    }
    assert {name: found for name, found in offending.items() if found} == {}


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "sneaky.py"
    module.write_text("def later():\n    from comments.models import Comment\n    import comments.spam\n")
    assert imported_packages(module) == {"comments"}


@pytest.mark.parametrize("app", APPS)
def test_each_app_connects_only_its_own_receivers_from_its_own_ready(app):
    ready = (REPO / app / "apps.py").read_text()
    assert f"from {app} import signals" in ready
    for path in sources(app):
        if path.name == "signals.py":
            continue
        text = path.read_text()
        assert "@receiver" not in text and ".connect(" not in text, f"{path.relative_to(REPO)} connects receivers"


def imported_modules(path):
    """The full names of the modules a file imports (`from x.y import z` gives x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_escribe_imports_no_installed_apps_models():
    # Not ours, not django-axes': escribe/ asks the app registry (apps.get_model) when it must.
    offending = {
        str(path.relative_to(REPO)): sorted(
            name for name in imported_modules(path) if name.endswith(".models") and not name.startswith("django.db")
        )
        for path in sources("escribe")
    }
    assert {name: found for name, found in offending.items() if found} == {}


CYCLE_PACKAGES = ("blog", "comments", "moving", "escribe")


def module_name(path):
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_imports(path, modules):
    """The project modules a file imports at any depth (`from pkg import mod` names pkg.mod when it is a module)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names)
    return {name for name in found if name in modules} - {module_name(path)}


def import_cycle(graph):
    """One cycle in a {module: imported modules} graph as [a, b, ..., a], or None (depth-first search)."""
    done, path = set(), []

    def visit(module):
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if cycle := visit(imported):
                return cycle
        path.pop()
        done.add(module)
        return None

    return next((cycle for module in sorted(graph) if (cycle := visit(module))), None)


def project_graph():
    files = [path for package in CYCLE_PACKAGES for path in sorted((REPO / package).rglob("*.py"))]
    modules = {module_name(path) for path in files}
    return {module_name(path): project_imports(path, modules) for path in files}


def test_no_import_circle_among_the_project_modules_counting_imports_inside_functions():
    cycle = import_cycle(project_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle)


def test_the_cycle_check_finds_a_circle_closed_inside_a_function():
    graph = {"a.one": {"a.two"}, "a.two": {"a.three"}, "a.three": {"a.one"}, "a.four": {"a.one"}}
    assert import_cycle(graph) == ["a.one", "a.two", "a.three", "a.one"]
    assert import_cycle({"a.one": {"a.two"}, "a.two": set()}) is None
