"""Shipped notebooks: no outputs, a literal-only parameters cell, thin (no def/class)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from workbench.config import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and (c.outputs or c.execution_count)]
    assert dirty == [], f"{path.name}: cells {dirty} have outputs; run `make strip`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_holds_literals_only(path: Path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: exactly one cell must be tagged 'parameters'"
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, (ast.Assign, ast.AnnAssign)), f"{path.name}: only assignments in parameters"
        ast.literal_eval(node.value)  # raises for anything but a literal


#: Statements that make a cell a program rather than a report step (loops, branches, comprehensions).
LOGIC = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.IfExp, ast.Try, ast.With, ast.ListComp, ast.DictComp,
         ast.SetComp, ast.GeneratorExp)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_logic_lives_in_the_package(path: Path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse(cell.source)
            defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))]
            assert not defs, f"{path.name}: move functions and classes into src/workbench"
            logic = sorted({type(n).__name__ for n in ast.walk(tree) if isinstance(n, LOGIC)})
            assert not logic, (f"{path.name}: a cell holds {logic}; move the section into a report helper "
                               f"(workbench.report.*) and call it:\n{cell.source}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_report_cell_is_one_call(path: Path):
    """After the parameters and the set-up cell (imports and the scenario), each cell is one
    statement: a section helper's call, its result optionally named."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "parameters" in tags or "remove_cell" in tags:
            continue
        body = ast.parse(cell.source).body
        assert len(body) == 1, f"{path.name}: a cell holds {len(body)} statements; make it one helper call:\n{cell.source}"
        value = body[0].value if isinstance(body[0], (ast.Expr, ast.Assign)) else None
        assert isinstance(value, ast.Call), f"{path.name}: a cell is not a call:\n{cell.source}"
