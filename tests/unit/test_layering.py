"""aotwheel's modules import each other without cycles, and every module-level import points to a
module of the same or a lower layer (LAYERS, bottom first). An import inside a function (done when
it runs) is how a module reaches up, and is not counted."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pytools"

# Bottom first; "" is the package itself (its __init__: the version). A module of no layer fails
# the test: a new module is placed here, where its imports say it belongs.
LAYERS: list[tuple[str, frozenset[str]]] = [
    ("foundation", frozenset({"", "errors", "log", "atomic", "reproducible", "resources", "abi", "report", "xmldoc",
                              "gitignore", "sources", "processes", "settings", "csharp_sources"})),
    ("the binding plan", frozenset({"plan", "plan.model", "plan.naming", "plan.types", "plan.resolve", "plan.planner"})),
    ("the renderers", frozenset({"bindings", "bindings.csharp", "bindings.python", "bindings.files"})),
    ("the project and its compilation", frozenset({"project", "metadata", "toolchain", "targets", "linking", "windows",
                                                   "inputs", "compile", "attributes", "support_sources"})),
    ("the inspector", frozenset({"inspector"})),
    ("the built library and the wheel", frozenset({"binary", "platform_tags", "wheel", "manifest", "discover"})),
    ("packaging", frozenset({"package"})),
    ("the builds", frozenset({"sdist", "editable", "generate", "builder"})),
    ("the commands", frozenset({"backend", "new", "doctor", "inspect_cmd", "ci", "ci_providers"})),
    ("the command line", frozenset({"cli", "__main__"})),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)  # "" is the package itself


def top_level_imports(path: Path) -> set[str]:
    """The aotwheel modules *path* imports when it is imported (not under TYPE_CHECKING)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package.split(".") if package else []
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + (node.module.split(".") if node.module else []))
        found.add(target)
        if node.module is None:  # `from . import linking` imports a module; `from . import __version__` a name
            folder = PACKAGE.joinpath(*target.split(".")) if target else PACKAGE
            found |= {f"{target}.{alias.name}".lstrip(".") for alias in node.names
                      if (folder / f"{alias.name}.py").is_file() or (folder / alias.name / "__init__.py").is_file()}
    return found


def _graph() -> dict[str, set[str]]:
    return {module_name(p): top_level_imports(p) for p in PACKAGE.rglob("*.py")}


def test_every_module_has_one_layer() -> None:
    placed = [module for _, modules in LAYERS for module in modules]
    assert len(placed) == len(set(placed)), "a module is in two layers"
    assert sorted(set(_graph()) - set(placed)) == [], "give each new module its layer in LAYERS"
    assert sorted(set(placed) - set(_graph())) == [], "a module of LAYERS is gone"


def test_no_module_imports_a_higher_layer() -> None:
    layer = {module: (index, name) for index, (name, modules) in enumerate(LAYERS) for module in modules}
    upward = [
        f"{module or 'aotwheel'} ({layer[module][1]}) imports {imported or 'aotwheel'} ({layer[imported][1]})"
        for module, imports in sorted(_graph().items()) if module in layer
        for imported in sorted(imports) if imported in layer and layer[imported][0] > layer[module][0]
    ]
    assert upward == []


def test_module_level_imports_have_no_cycle() -> None:
    graph = _graph()
    assert "compile" in graph and "builder" in graph  # the walk found the package
    state: dict[str, str] = {}
    cycles: list[list[str]] = []

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for imported in sorted(graph.get(module, ())):
            if state.get(imported) == "open":
                cycles.append(trail[trail.index(imported):] + [imported])
            elif imported not in state:
                visit(imported, trail + [imported])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
