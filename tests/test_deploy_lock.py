"""The Docker image's locks (deploy/*.lock, made by deploy/refresh-lock.sh) still fit
pyproject.toml: every runtime requirement with every optional extra, and the build
backend, is pinned to a version its range allows, with a hash. A dependency added or a
range changed without refreshing the locks fails here, not in a container build."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)")
# the image: CPython 3.11 on Linux (the locks are compiled for it)
IMAGE = {"python_version": "3.11", "python_full_version": "3.11.0", "sys_platform": "linux"}


def pins(lock: Path) -> dict[str, str]:
    text = lock.read_text(encoding="utf-8")
    found: dict[str, str] = {
        canonicalize_name(m[1]): m[2] for m in map(PIN.match, text.splitlines()) if m
    }
    assert text.count("==") == len(found), "one pin per line"
    assert text.count("--hash=sha256:") >= len(found), "every pin has its hash"
    return found


def image_requirements(project: dict) -> list[Requirement]:
    """The runtime requirements with the extras that ``all`` names (expanded)."""
    extras = project["optional-dependencies"]
    wanted, seen, out = ["all"], set(), [Requirement(r) for r in project["dependencies"]]
    while wanted:
        extra = wanted.pop()
        seen.add(extra)
        for requirement in map(Requirement, extras[extra]):
            if canonicalize_name(requirement.name) == project["name"]:
                wanted += [e for e in requirement.extras if e not in seen]
            else:
                out.append(requirement)
    return out


@pytest.mark.parametrize(
    ("lock", "key"),
    [("requirements.lock", "project"), ("build-requirements.lock", "build-system")],
)
def test_the_lock_pins_what_pyproject_asks(lock: str, key: str) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = pins(ROOT / "deploy" / lock)
    if key == "project":
        requirements = image_requirements(pyproject["project"])
    else:
        requirements = [Requirement(r) for r in pyproject["build-system"]["requires"]]
    assert len(requirements) >= 2
    for requirement in requirements:
        if requirement.marker is not None and not requirement.marker.evaluate(IMAGE):
            continue
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{name} is not in deploy/{lock}: run deploy/refresh-lock.sh"
        assert requirement.specifier.contains(pinned[name], prereleases=True), (
            f"deploy/{lock} pins {name}=={pinned[name]}, pyproject asks {requirement}"
        )
