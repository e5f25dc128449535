"""Every public class and function has a numpydoc docstring with a summary line and a runnable example.

"Public" means listed in the ``__all__`` of a module of the package. The
examples themselves run as doctests (``--doctest-modules`` over
``src/autorisk``); this test makes sure there is one to run, and that every
public function documents each of its parameters in a ``Parameters`` section.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import pytest

import autorisk
from autorisk.errors import DataError

#: A numpydoc section header: a title line underlined by dashes of the same length.
_SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]*)\n(?P<rule>-+)$", re.MULTILINE)


def _public_objects() -> dict[str, Any]:
    """Every class and function named in some module's ``__all__``, by ``module.qualname``, once."""
    names = ["autorisk"] + [
        m.name for m in pkgutil.walk_packages(autorisk.__path__, "autorisk.") if not m.name.endswith("__main__")
    ]
    found: dict[str, Any] = {}
    for name in names:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                found.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return dict(sorted(found.items()))


def _sections(doc: str) -> dict[str, str]:
    """Numpydoc sections of a cleaned docstring: title -> body (up to the next section)."""
    headers = [m for m in _SECTION.finditer(doc) if len(m["rule"]) == len(m["title"])]
    bodies = {}
    for header, following in zip(headers, [*headers[1:], None], strict=True):
        end = following.start() if following is not None else len(doc)
        bodies[header["title"]] = doc[header.end() : end]
    return bodies


def _own_doc(obj: Any) -> str:
    # obj.__doc__, not inspect.getdoc: getdoc falls back to a base class's docstring.
    return inspect.cleandoc(obj.__doc__ or "")


def docstring_problems(obj: Any) -> list[str]:
    """What the docstring of ``obj`` lacks: a summary line, an ``Examples`` section with a ``>>>`` line."""
    doc = _own_doc(obj)
    if not doc:
        return ["no docstring"]
    problems = []
    summary = doc.splitlines()[0]
    if not summary.strip() or _SECTION.match(doc):
        problems.append("no summary line")
    if inspect.isclass(obj) and summary.startswith(f"{obj.__name__}("):
        problems.append("only the signature that @dataclass writes, no docstring")
    examples = _sections(doc).get("Examples", "")
    if not re.search(r"^>>> ", examples, re.MULTILINE):
        problems.append("no '>>>' example in an 'Examples' section")
    return problems


def undocumented_parameters(func: Callable[..., Any]) -> list[str]:
    """Parameters of ``func`` (besides self and cls) not named in its ``Parameters`` section."""
    wanted = [p for p in inspect.signature(func).parameters if p not in ("self", "cls")]
    if not wanted:
        return []
    section = _sections(_own_doc(func)).get("Parameters")
    if section is None:
        return wanted
    documented = set()
    for line in section.splitlines():
        if line and not line[0].isspace():  # "name : type" or "a, b : type" or "a, b"
            names = line.split(" : ")[0]
            documented |= {n.strip().lstrip("*") for n in names.split(",")}
    return [p for p in wanted if p not in documented]


PUBLIC = _public_objects()
FUNCTIONS = {name: obj for name, obj in PUBLIC.items() if inspect.isfunction(obj)}


def test_the_walk_finds_the_public_api():
    # guards against a walk that silently finds nothing, which would pass every check below
    assert len(PUBLIC) > 150
    assert "autorisk.rating.plan.RatingPlan" in PUBLIC
    assert "autorisk.models.glm.FrequencyGLM" in PUBLIC
    assert "autorisk.reserving.methods.mack" in FUNCTIONS


@pytest.mark.parametrize("name", list(PUBLIC))
def test_public_object_has_summary_and_example(name):
    problems = docstring_problems(PUBLIC[name])
    assert not problems, f"{name}: {'; '.join(problems)}"


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_public_function_documents_its_parameters(name):
    missing = undocumented_parameters(FUNCTIONS[name])
    assert not missing, f"{name}: parameters not in a 'Parameters' section: {missing}"


# ------------------------------------------------------------------ the checks themselves


def _documented(x: int, *, scale: float = 1.0) -> float:
    """Scale a number.

    Parameters
    ----------
    x : int
        The number.
    scale : float, default 1.0

    Examples
    --------
    >>> _documented(2, scale=0.5)
    1.0
    """
    return x * scale


def _no_example(x: int, y: int) -> int:
    """Add two numbers.

    Parameters
    ----------
    x : int

    Notes
    -----
    ``y`` is in the notes, not in the parameters; the example is not a doctest:

        _no_example(1, 2)
    """
    return x + y


class _Inherits(DataError):
    pass


def test_checks_accept_a_complete_docstring():
    assert docstring_problems(_documented) == []
    assert undocumented_parameters(_documented) == []


def test_checks_flag_a_missing_example_and_parameter():
    assert docstring_problems(_no_example) == ["no '>>>' example in an 'Examples' section"]
    assert undocumented_parameters(_no_example) == ["y"]
    assert docstring_problems(lambda: None) == ["no docstring"]
    assert docstring_problems(_Inherits) == ["no docstring"]  # the base class's docstring does not count
