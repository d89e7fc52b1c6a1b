"""environment.yml stays in step with pyproject.toml; the README gives the two commands."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT

#: pyproject name -> conda-forge names of the same requirement.
CONDA_NAMES = {
    "ibis-framework": ["ibis-framework-core"],
    "duckdb": ["python-duckdb"],
    "matplotlib": ["matplotlib-base"],
    "seaborn": ["seaborn-base"],
}


def _split(requirement: str) -> tuple[str, str]:
    match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", requirement.strip())
    assert match, requirement
    return match.group(1).lower(), match.group(3).replace(" ", "")


def test_environment_yml_lists_every_runtime_dependency_with_the_same_range():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip = {}, {}
    for item in env["dependencies"]:
        if isinstance(item, dict):
            for req in item["pip"]:
                if not req.startswith("-e"):
                    name, spec = _split(req)
                    pip[name] = spec
        else:
            name, spec = _split(item)
            conda[name] = spec
    assert conda["python"] == pyproject["project"]["requires-python"]
    for requirement in pyproject["project"]["dependencies"]:
        name, spec = _split(requirement)
        names = CONDA_NAMES.get(name, [name])
        found = [conda.get(n, pip.get(n)) for n in names]
        assert all(f is not None for f in found), f"{name} missing from environment.yml"
        assert all(f == spec for f in found), f"{name}: environment.yml has {found}, pyproject {spec!r}"
    assert any(str(i).startswith("-e .[dev]") for d in env["dependencies"] if isinstance(d, dict) for i in d["pip"])


def test_readme_and_ci_use_the_same_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), flags=re.M)
