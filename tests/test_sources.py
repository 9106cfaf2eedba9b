"""The sources compile without warnings, and no docstring holds a control character.

A LaTeX command in a docstring that is not raw is read as an escape: ``:math:`A^\\top``` becomes a tab and "op",
``\\varphi`` a vertical tab, ``\\sum`` an invalid escape (a SyntaxWarning now, an error in a later Python).
"""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for d in ("graphsample", "cli", "benchmarks", "tests") for p in (ROOT / d).rglob("*.py"))
CONTROL = {"\t": "tab", "\v": "vertical tab", "\f": "form feed", "\b": "backspace", "\r": "carriage return",
           "\a": "bell"}


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiles_without_warnings_and_docstrings_are_clean(path):
    source = path.read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tree = compile(source, str(path), "exec", ast.PyCF_ONLY_AST)
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef
                                                                 | ast.ClassDef))]
    for node in nodes:
        doc = ast.get_docstring(node, clean=False) or ""
        bad = sorted({name for ch, name in CONTROL.items() if ch in doc})
        assert not bad, f"{path.name}: docstring of {getattr(node, 'name', 'the module')} holds {bad}: make it raw"
