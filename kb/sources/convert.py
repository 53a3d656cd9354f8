"""Sources as kb's own YAML: a one-time conversion of a reference manager's export.

Takes the sources read from a ``.bib`` or CSL-JSON file (:mod:`kb.sources.bib`,
:mod:`kb.sources.csljson`); gives the text of a ``registry/*.yaml`` file
holding them, fields in the model's order, empty ones left out. Reading
that text back gives the same sources (a test checks it). For a group that
wants to keep its export as the one source, there is nothing to convert:
kb reads the export itself (docs/sources.md).

    python -m kb.sources.convert library.bib > registry/sources.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable

from kb.model import Source

HEADER = "# yaml-language-server: $schema=../schema/registry.schema.json\n"


def registry_yaml(sources: Iterable[Source]) -> str:
    """The text of a registry file listing ``sources``."""
    import yaml

    entries = [s.model_dump(exclude_none=True, exclude_defaults=False) for s in sources]
    for entry in entries:
        if not entry.get("editors"):
            entry.pop("editors", None)
    text = yaml.safe_dump({"sources": entries}, sort_keys=False, allow_unicode=True, width=100,
                          default_flow_style=False)
    return HEADER + text


def read_export(rel: str, raw: bytes):
    """The sources of one export file (.bib or CSL-JSON) and its diagnostics."""
    if rel.endswith(".bib"):
        from kb.sources.bib import parse
    else:
        from kb.sources.csljson import parse
    items, diags, _ = parse(rel, raw)
    return [item for _, item, _, _ in items], diags


def main(argv: list[str]) -> int:
    """Print the YAML for the export named in ``argv``; its problems go to stderr, exit 1 if any."""
    if len(argv) != 1 or not argv[0].endswith((".bib", ".json")):
        print("usage: python -m kb.sources.convert LIBRARY.bib|LIBRARY.json > registry/sources.yaml", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        raw = path.read_bytes()
    except OSError as exc:
        print(f"{path}: cannot be read: {exc.strerror or exc}", file=sys.stderr)
        return 2
    sources, diags = read_export(str(path), raw)
    for d in diags:
        print(d.format(), file=sys.stderr)
    if any(d.severity == "error" for d in diags):
        return 1  # half a library is no conversion: nothing is printed
    sys.stdout.write(registry_yaml(sources))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
