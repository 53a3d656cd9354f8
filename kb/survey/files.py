"""The survey files a ``kb check`` verdict depends on, without loading the model.

The warm ``kb check`` (kb.load.cache.Verdict) prints the last outcome when
no input changed; a dataset's response file is an input like any item file.
:func:`verdict_inputs` gives each dataset file's bytes from kb.yaml's bytes,
reading kb.yaml with plain YAML (no pydantic, no numpy), so the verdict's key
can include them. A file that cannot be read gives no bytes: the check itself
then reports why.
"""

from __future__ import annotations

import os
from pathlib import Path

from kb.load.files import Refused, read_inside

#: as kb.survey.read.MAX_DATA_BYTES (not imported: that module imports numpy)
_LIMIT = 512 * 1024 * 1024


def verdict_inputs(root: Path, config: bytes) -> list[tuple[str, str, bytes]]:
    """("dataset", file as kb.yaml names it, its bytes) for each dataset in kb.yaml, in its order."""
    from kb.load.yamlread import read_yaml  # kb's bounded reader: kb.yaml may be hostile

    data, _, problems = read_yaml(config, "kb.yaml")
    if problems:
        return []  # the check reports them
    datasets = data.get("datasets") if isinstance(data, dict) else None
    if not isinstance(datasets, list):
        return []
    out = []
    for ds in datasets:
        file = ds.get("file") if isinstance(ds, dict) else None
        if not isinstance(file, str) or not file:
            continue
        try:
            if os.path.isabs(file):
                raw = read_inside(os.path.dirname(file), os.path.basename(file), _LIMIT)
            else:
                raw = read_inside(root, os.path.normpath(file), _LIMIT)
        except (Refused, ValueError):
            raw = b""
        out.append(("dataset", file, raw))
    return out
