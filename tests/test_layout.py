"""One name per idea: no package attribute hides a submodule of the same name."""

from __future__ import annotations

import importlib
import pkgutil
import types

import workbench


def test_every_submodule_is_reached_by_its_dotted_name():
    """``import workbench.models.clv as m`` gave the function ``clv`` re-exported by the package."""
    hidden = []
    for info in pkgutil.walk_packages(workbench.__path__, "workbench."):
        parent_name, _, child = info.name.rpartition(".")
        module = importlib.import_module(info.name)
        parent = importlib.import_module(parent_name)
        if getattr(parent, child, module) is not module:
            hidden.append(f"{parent_name}.{child} is {type(getattr(parent, child)).__name__}")
    assert not hidden, hidden


def test_models_clv_is_the_module_of_the_clv_models():
    import workbench.models.clv as m

    assert isinstance(m, types.ModuleType) and callable(m.predict_clv) and hasattr(m, "BetaGeo")


def test_one_time_unit_table():
    """Days per time unit are written once (workbench.units); the summary, segmenters, models,
    validation and the synthetic data all read it."""
    import re

    from tests.conftest import ROOT

    tables = [p.relative_to(ROOT).as_posix() for p in (ROOT / "src" / "workbench").rglob("*.py")
              if re.search(r"""["']W["']\s*:\s*7""", p.read_text(encoding="utf-8"))]
    assert tables == ["src/workbench/units.py"]


def test_no_text_key_is_written_twice():
    """A key repeated in the i18n table silently replaces the first entry."""
    import ast
    import collections

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "src" / "workbench" / "i18n.py").read_text(encoding="utf-8"))
    (table,) = [n.value for n in ast.walk(tree) if isinstance(n, ast.AnnAssign) and getattr(n.target, "id", "") == "TEXT"]
    keys = [k.value for k in table.keys]
    assert [k for k, n in collections.Counter(keys).items() if n > 1] == []
