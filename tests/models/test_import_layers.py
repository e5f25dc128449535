"""The import structure of ``autorisk.models``: no cycle, the engine below its helpers.

Layers, lowest first: the Tweedie density, the families, the GLM engine
(``glm_engine`` on ``glm_numerics``, ``glm_results`` and ``persistence``; the
estimators of ``glm`` on it), then the helpers that read or refit a fitted model (``inference``,
``tweedie_profile``, ``refine``), then what combines models (``pair``,
``loading``). Checked from the source with ``ast`` (imports run when a module
is imported: top level, not in a function and not under ``TYPE_CHECKING``)
and by importing every submodule first in a fresh interpreter.
"""

from __future__ import annotations

import ast
import graphlib
import subprocess
import sys
from pathlib import Path

import autorisk.models

PACKAGE = "autorisk.models"
FOLDER = Path(autorisk.models.__file__).parent
MODULES = sorted(p.stem for p in FOLDER.glob("*.py") if p.stem != "__init__")


def _imports(module: str) -> dict[str, set[str]]:
    """Models submodules imported by ``module``: ``{"runtime": ..., "typing": ..., "function": ...}``."""
    tree = ast.parse((FOLDER / f"{module}.py").read_text(encoding="utf-8"))
    found: dict[str, set[str]] = {"runtime": set(), "typing": set(), "function": set()}

    def targets(node: ast.AST) -> set[str]:
        names = set()
        if isinstance(node, ast.Import):
            names = {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        # "from autorisk.models import FrequencyGLM" imports the package, i.e. every submodule
        out = {n[len(PACKAGE) + 1:].split(".")[0] for n in names if n.startswith(PACKAGE + ".")}
        out = {n for n in out if n in MODULES}
        if isinstance(node, ast.ImportFrom) and node.module == PACKAGE and not out:
            out = {"__init__"}
        return out

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                found[where] |= targets(child)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(child, "function")
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for statement in child.body:
                    visit(ast.Module(body=[statement], type_ignores=[]), "typing" if where == "runtime" else where)
                for statement in child.orelse:
                    visit(ast.Module(body=[statement], type_ignores=[]), where)
            else:
                visit(child, where)

    visit(tree, "runtime")
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def test_no_import_cycle_among_the_models_submodules():
    runtime = {module: found["runtime"] for module, found in GRAPH.items()}
    assert all("__init__" not in deps for deps in runtime.values()), runtime
    order = list(graphlib.TopologicalSorter(runtime).static_order())  # raises CycleError on a cycle
    assert order.index("families") < order.index("glm_engine") < order.index("glm") < order.index("pair")


def test_families_are_the_lowest_layer():
    for module in ("tweedie_density", "families", "banding", "splines"):
        every = set().union(*GRAPH[module].values())
        assert every <= {"tweedie_density", "banding", "splines"}, (module, every)


def test_the_engine_imports_no_helper_when_it_is_imported():
    helpers = {"inference", "tweedie_profile", "refine", "pair", "gbm", "loading"}
    for engine in ("glm", "glm_engine", "glm_results", "glm_numerics", "persistence"):
        assert not GRAPH[engine]["runtime"] & helpers, (engine, GRAPH[engine]["runtime"])
    assert GRAPH["glm_engine"]["runtime"] >= {"design", "families", "glm_numerics", "glm_results"}
    assert "glm_engine" in GRAPH["glm"]["runtime"]
    # the engine's numerics and its saving know nothing of the estimators
    for below in ("glm_numerics", "persistence"):
        assert not {"glm", "glm_engine"} & set().union(*GRAPH[below].values()), below
    # and no helper module imports the engine only lazily: they sit above it
    for helper in ("inference", "tweedie_profile", "refine"):
        assert not {"glm", "glm_engine"} & GRAPH[helper]["function"], helper


def test_every_submodule_imports_first_in_a_fresh_interpreter():
    # One interpreter per module would cost ~2 s each in third-party imports; dropping
    # autorisk from sys.modules before each import gives autorisk a fresh import order.
    script = (
        "import importlib, sys\n"
        f"for name in {[f'{PACKAGE}.{m}' for m in MODULES]!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'autorisk' or m.startswith('autorisk.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
