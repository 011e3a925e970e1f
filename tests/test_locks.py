"""The hashed locks in requirements/ must cover pyproject.toml: a dependency added or re-ranged there without
`scripts/lock` would install nothing (scripts/setup installs the project with --no-deps) or a version outside
its range. Fails with the command that fixes it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.M)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text("utf-8")
    assert "--hash=sha256:" in text
    return {canonicalize_name(name): ver for name, ver in PIN.findall(text)}


def test_every_dependency_of_each_part_is_locked_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = {"kiosk.txt": project["dependencies"] + extras["kiosk"],
              "server.txt": project["dependencies"] + extras["server"],
              "dev.txt": project["dependencies"] + extras["kiosk"] + extras["server"] + extras["test"]}
    problems = []
    for lock, reqs in wanted.items():
        locked = pins(lock)
        for req in map(Requirement, reqs):
            ver = locked.get(canonicalize_name(req.name))
            if ver is None or not req.specifier.contains(ver, prereleases=True):
                problems.append(f"requirements/{lock}: {req} locked at {ver}")
    assert not problems, "run scripts/lock and commit requirements/:\n" + "\n".join(problems)


def test_the_parts_locks_agree_with_the_dev_lock():
    dev = pins("dev.txt")
    for lock in ("kiosk.txt", "server.txt", "build.txt"):
        differ = {n: (v, dev.get(n)) for n, v in pins(lock).items() if dev.get(n) != v}
        assert not differ, f"requirements/{lock} differs from dev.txt {differ}: run scripts/lock"
