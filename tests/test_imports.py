"""The import direction of DESIGN.md, checked with ``ast``; and every ``__all__`` is real."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import droidpilot

PKG = Path(droidpilot.__file__).parent

# layer of each top-level part; a module may import its own part and parts of a lower layer.
LAYERS = {
    "errors": 0,
    "types": 1,
    "config": 1,
    "device": 2,
    "planner": 2,
    "tasks": 3,
    "policy": 4,
    "server": 5,
    "cli": 6,
    "__init__": 0,
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG.parent).with_suffix("")
        name = ".".join(rel.parts)
        if name.endswith(".__init__"):
            name = name[: -len(".__init__")]
        out.append((name, path))
    return out


def _imports(path: Path, module: str) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                is_pkg = path.name == "__init__.py"
                base = base[: len(base) - node.level + (1 if is_pkg else 0)]
                found.append(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.append(node.module)
    return [m for m in found if m == "droidpilot" or m.startswith("droidpilot.")]


@pytest.mark.parametrize(("module", "path"), _modules(), ids=lambda v: str(v))
def test_import_direction(module: str, path: Path) -> None:
    mine = _part(module)
    assert mine in LAYERS, f"{module}: part {mine!r} has no layer in DESIGN's import direction"
    for target in _imports(path, module):
        theirs = _part(target)
        if theirs == mine or theirs == "__init__":
            continue
        assert theirs in LAYERS, f"{module} imports {target}, a part with no layer"
        assert LAYERS[theirs] < LAYERS[mine], (
            f"{module} imports {target}: {mine} may not import {theirs} (DESIGN import direction)"
        )


def test_every_subpackage_lists_real_public_names() -> None:
    for info in pkgutil.walk_packages(droidpilot.__path__, "droidpilot."):
        if not info.ispkg:
            continue
        mod = importlib.import_module(info.name)
        names = getattr(mod, "__all__", None)
        assert names is not None, f"{info.name} has no __all__"
        for name in names:
            assert hasattr(mod, name), f"{info.name}.__all__ names {name!r}, which it lacks"


@pytest.mark.parametrize("module", ["droidpilot.types", "droidpilot.errors", "droidpilot.config"])
def test_core_modules_all(module: str) -> None:
    mod = importlib.import_module(module)
    assert sorted(mod.__all__) == sorted(set(mod.__all__))
    for name in mod.__all__:
        assert hasattr(mod, name), name
