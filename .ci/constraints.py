"""Write constraints.txt: an exact pin for every package that kb and its [test] extra pull in.

The pins are the versions installed in this environment, found by walking the declared
requirements of pyproject.toml through each installed package's own metadata (as `pip freeze`
would print them, but only for kb's dependency closure: not pip, not this machine's extras).

    python3 .ci/constraints.py          # rewrite constraints.txt from the current environment
    python3 .ci/constraints.py --check  # exit 1 if constraints.txt differs from it
"""

from __future__ import annotations

import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
HEADER = ("# Exact versions CI installs (pip install -c constraints.txt -e '.[test]'), for Python 3.11 on Linux.\n"
          "# Written by `python3 .ci/constraints.py` from an environment where the tests pass; see README.md.\n")


def declared(pyproject: Path = REPO / "pyproject.toml") -> list[Requirement]:
    """The runtime requirements and the [test] extra's, as pyproject.toml declares them."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["test"]]


def closure(roots: list[Requirement]) -> dict[str, metadata.Distribution]:
    """Every installed distribution the requirements reach on this Python, by canonical name."""
    found: dict[str, metadata.Distribution] = {}
    expanded: set[tuple[str, str]] = set()
    # each requirement travels with the extra of the package that asked for it ("" for its base)
    todo = [(r, "") for r in roots]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        if name not in found:
            try:
                found[name] = metadata.distribution(req.name)
            except metadata.PackageNotFoundError:
                raise SystemExit(f"{req.name} is required but not installed: pip install -e '.[test]' first")
        for wanted in {"", *req.extras}:
            if (name, wanted) not in expanded:
                expanded.add((name, wanted))
                todo += [(Requirement(line), wanted) for line in found[name].requires or []]
    return found


def pins() -> str:
    """constraints.txt's text for the current environment."""
    dists = closure(declared())
    return HEADER + "".join(f"{dists[name].metadata['Name']}=={dists[name].version}\n" for name in sorted(dists))


def main(argv: list[str]) -> int:
    target = REPO / "constraints.txt"
    text = pins()
    if argv == ["--check"]:
        if target.exists() and target.read_text(encoding="utf-8") == text:
            return 0
        print("constraints.txt differs from this environment: run python3 .ci/constraints.py", file=sys.stderr)
        return 1
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
