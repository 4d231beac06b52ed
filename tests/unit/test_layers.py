"""The package's shape: modules import downwards only. Read from the source (ast), nothing imported.

- no import cycle between the modules of `dataetat` (module-level imports: the ones that run when a
  module is loaded; an import inside a function is a deliberate late binding and is not counted);
- the modules of web/ that pages and API share (web/courriel.py, web/sauvegardes.py,
  web/formulaire*.py) never reach web/pages/, not even through another module."""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "dataetat"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py") if "static" not in p.parts}


def _top_level_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """Modules of the package imported when `name` is loaded (`from a import b` counts a.b when it is
    a module, else a)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in tree.body:  # module level only
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            for a in node.names:
                candidate = f"{base}.{a.name}"
                found.add(candidate if candidate in known else base)
    return {m for m in found if m in known and m != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _top_level_imports(path, name, known) for name, path in modules.items()}
    # Loading a.b.c loads a and a.b first.
    for name in list(graph):
        parts = name.split(".")
        graph[name] |= {".".join(parts[:i]) for i in range(1, len(parts))} - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_cli_is_one_package_of_command_modules():
    assert not list(PACKAGE.glob("cli*.py")), "the CLI lives in src/dataetat/cli/"
    assert {"common", "db", "imports", "sources", "query", "demo", "serve", "comptes"} <= {
        p.stem for p in (PACKAGE / "cli").glob("*.py")
    }


def test_no_import_cycle_in_the_cli():
    graph = _graph()
    cli = {m: {n for n in targets if n.startswith("dataetat.cli.")} for m, targets in graph.items()}
    cli = {m: t for m, t in cli.items() if m.startswith("dataetat.cli.")}
    assert _cycle(cli) is None


def test_no_import_cycle_in_the_package():
    # The parent package edges are left out: `dataetat.web` loading its own submodules is no cycle.
    graph = {m: {n for n in targets if not m.startswith(n + ".")} for m, targets in _graph().items()}
    assert _cycle(graph) is None


def test_shared_web_modules_do_not_reach_the_pages():
    graph = _graph()
    shared = ("courriel", "sauvegardes", "formulaire", "formulaire_choix", "formulaire_lecture")
    for module in (f"dataetat.web.{name}" for name in shared):
        above = sorted(m for m in _reachable(graph, module) if m.startswith("dataetat.web.pages"))
        assert not above, f"{module} imports {above}"
