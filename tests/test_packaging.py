"""The lock files agree with pyproject.toml; environment.yml and the Makefile use them; the README
gives the two commands."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.conftest import ROOT

LOCKS = ROOT / "requirements"
#: Environments the locks must serve: CI's Python and the newer ones a fresh machine may have.
ENVIRONMENTS = [
    {"python_version": v, "python_full_version": f"{v}.0", "sys_platform": "linux", "os_name": "posix",
     "platform_system": "Linux", "implementation_name": "cpython", "platform_machine": "x86_64"}
    for v in ("3.11", "3.12", "3.13")
]


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: int
    via: tuple[str, ...]

    def applies(self, env: dict) -> bool:
        return self.marker is None or self.marker.evaluate(env)


def read_lock(path: Path) -> list[Pin]:
    """Entries of a ``uv pip compile --generate-hashes`` file: pin, marker, hash count, 'via' lines."""
    pins, block = [], None
    for line in path.read_text().splitlines() + [""]:
        head = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if head or not line.startswith(" "):
            if block:
                pins.append(Pin(block[0], block[1], block[2], block[3], tuple(block[4])))
            block = None
        if head:
            marker = Marker(head.group(3)) if head.group(3) else None
            block = [canonicalize_name(head.group(1)), Version(head.group(2)), marker, 0, []]
        elif block and "--hash=sha256:" in line:
            block[3] += 1
        elif block and line.strip().startswith("#"):
            text = line.strip().lstrip("#").strip()
            text = text.removeprefix("via").strip()
            if text:
                block[4].append(text)
    return pins


def pinned(pins: list[Pin], env: dict) -> dict[str, Version]:
    chosen: dict[str, Version] = {}
    for pin in pins:
        if pin.applies(env):
            assert pin.name not in chosen, f"{pin.name} pinned twice for {env['python_version']}"
            chosen[pin.name] = pin.version
    return chosen


def requirements(extra: str | None = None) -> list[Requirement]:
    """The direct requirements of a lock: the dependencies plus the extras named in ``extra``
    ("dev+spark": the dev lock holds the test tools and the Spark extra)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"]]
    for name in (extra or "").split("+"):
        if name:
            reqs += [Requirement(r) for r in project["optional-dependencies"][name]]
    build = [ln.split("#")[0].strip() for ln in (LOCKS / "build.in").read_text().splitlines()]
    return reqs + [Requirement(b) for b in build if b]


@pytest.mark.parametrize("lock, extra", [("runtime.lock", None), ("dev.lock", "dev+spark")])
def test_lock_pins_every_requirement_within_its_pyproject_range(lock, extra):
    pins = read_lock(LOCKS / lock)
    assert pins and all(p.hashes > 0 for p in pins), f"{lock}: every pin needs its hashes (make lock)"
    for env in ENVIRONMENTS:
        chosen = pinned(pins, env)
        for req in requirements(extra):
            if req.marker and not req.marker.evaluate(env):
                continue
            name = canonicalize_name(req.name)
            assert name in chosen, f"{lock}: {req.name} is in pyproject.toml but not locked: run make lock"
            assert req.specifier.contains(chosen[name], prereleases=True), (
                f"{lock}: {req.name}=={chosen[name]} is outside pyproject's {req.specifier}: run make lock"
            )


@pytest.mark.parametrize("lock, extra", [("runtime.lock", None), ("dev.lock", "dev+spark")])
def test_lock_holds_no_direct_requirement_that_pyproject_dropped(lock, extra):
    """uv records why each package is locked: 'workbench (pyproject.toml)' or the build list."""
    direct = {p.name for p in read_lock(LOCKS / lock) if any("pyproject.toml" in v or "build.in" in v for v in p.via)}
    declared = {canonicalize_name(r.name) for r in requirements(extra)}
    assert direct == declared, f"{lock}: locked as direct but not declared {sorted(direct - declared)}; run make lock"


def test_dev_lock_keeps_the_runtime_versions():
    """``make report`` and ``make test`` run the same code: shared packages have one version."""
    for env in ENVIRONMENTS:
        runtime = pinned(read_lock(LOCKS / "runtime.lock"), env)
        dev = pinned(read_lock(LOCKS / "dev.lock"), env)
        differ = {n: (v, dev.get(n)) for n, v in runtime.items() if dev.get(n) != v}
        assert not differ, f"runtime and dev locks disagree for Python {env['python_version']}: {differ}"


def test_read_lock_sees_a_changed_range(tmp_path):
    """The checks above can fail: a pin outside its range is caught."""
    text = (LOCKS / "runtime.lock").read_text()
    (tmp_path / "runtime.lock").write_text(re.sub(r"^pandas==[^\s;]+", "pandas==3.0.0", text, flags=re.M))
    chosen = pinned(read_lock(tmp_path / "runtime.lock"), ENVIRONMENTS[0])
    spec = next(r.specifier for r in requirements() if r.name == "pandas")
    assert chosen["pandas"] == Version("3.0.0") and not spec.contains(chosen["pandas"])


def test_makefile_and_environment_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements/runtime.lock" in makefile
    assert "--require-hashes --no-deps -r requirements/dev.lock" in makefile
    assert re.search(r"^lock:", makefile, flags=re.M)
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(item["pip"] for item in env["dependencies"] if isinstance(item, dict))
    assert "-r requirements/dev.lock" in pip and "--require-hashes" in pip
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    ci_python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert python == "python=3.11" and ci_python == ">=3.11"


def test_readme_and_ci_use_the_same_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme
    assert re.search(r"^make test$", (ROOT / ".ci" / "run").read_text(), flags=re.M)
