"""aotwheel's modules import each other without cycles: every module-level import points down the
layers (errors, log, resources -> project, compile, ... -> builder, cli). An import inside a
function (done when it runs) is how a module reaches up, and is not counted."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "pytools"


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


def test_module_level_imports_have_no_cycle() -> None:
    graph = {module_name(p): top_level_imports(p) for p in PACKAGE.rglob("*.py")}
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
