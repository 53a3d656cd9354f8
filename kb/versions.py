"""What `kb --version` prints: kb's own version, then the version of each key dependency in use.

Bug reports need the versions actually installed, not the ranges pyproject.toml allows: a newer
pydantic or click can change messages and behaviour. The versions come from the installed
packages' metadata (importlib.metadata), so nothing heavy is imported to print them.
"""

from __future__ import annotations

#: Distribution names as PyPI spells them, in the order they are printed.
KEY_DEPENDENCIES = ("pydantic", "PyYAML", "networkx", "pyoxigraph", "mkdocs", "mkdocs-material", "click",
                    "krippendorff", "python-docx")

NOT_INSTALLED = "not installed"


def installed_version(distribution: str) -> str:
    """The installed version of `distribution`, or "not installed"."""
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return NOT_INSTALLED


def describe() -> str:
    """`kb VERSION` on the first line, then one `NAME VERSION` line per key dependency."""
    from kb import __version__

    lines = [f"kb {__version__}"]
    lines += [f"{name} {installed_version(name)}" for name in KEY_DEPENDENCIES]
    return "\n".join(lines)


class _Described:
    """Computes the text only when formatted, so importing kb.cli reads no package metadata."""

    def __str__(self) -> str:
        return describe()


#: The `version` click's version_option prints (its message is just "%(version)s").
VERSIONS = _Described()
