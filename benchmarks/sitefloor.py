"""The site's floor: a plain MkDocs Material project with a given number of pages.

Takes the number of pages kb's site has (and how they split into sections);
writes ``mkdocs.yml`` and ``docs/`` with that many simple Markdown pages: a
home page and one index page per section in the nav, and the item pages out
of the nav (reached from the index pages), as the issue prescribes for a
site that must build in linear time. Each item page has a title, a
paragraph or two of Norwegian text of the length of a real item and a few
links to other pages, so Markdown, link validation and search all do work.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from .generate import Words

INDEX_LINKS = 200  # links listed on each section's index page


def write_floor_site(target: Path, pages: int, sections: dict[str, int], language: str = "en",
                     seed: int = 1) -> int:
    """Write the floor project under ``target``; returns the number of pages written."""
    if target.exists():
        shutil.rmtree(target)
    docs = target / "docs"
    docs.mkdir(parents=True)
    rng = random.Random(seed)
    words = Words(rng)
    names = [name for name, n in sections.items() if n > 0]
    items_total = max(0, pages - 1 - len(names))
    weight = sum(sections[name] for name in names) or 1
    counts = {name: sections[name] * items_total // weight for name in names}
    if names:
        counts[names[-1]] += items_total - sum(counts.values())
    written = 0
    nav = ["  - Home: index.md"]
    home = ["# Floor site", "", "A plain MkDocs Material site with as many pages as kb's site.", ""]
    for name in names:
        (docs / name).mkdir()
        ids = [f"{name[:1].upper()}{i + 1:06d}" for i in range(counts[name])]
        nav.append(f"  - {name.capitalize()}: {name}/index.md")
        home.append(f"- [{name.capitalize()}]({name}/index.md): {len(ids)} pages")
        listing = [f"# {name.capitalize()}", ""]
        listing += [f"- [{i}]({i}.md)" for i in ids[:INDEX_LINKS]]
        if len(ids) > INDEX_LINKS:
            listing.append(f"\n... and {len(ids) - INDEX_LINKS} more.")
        (docs / name / "index.md").write_text("\n".join(listing) + "\n", encoding="utf-8")
        written += 1
        for n, item in enumerate(ids):
            text = words.text(3, 8, 0)
            related = [ids[(n + k) % len(ids)] for k in (1, 7, 31)]
            body = [
                f"# {item}: {text.split('.')[0]}", "",
                text, "",
                "| field | value |", "| --- | --- |",
                f"| section | {name} |", f"| number | {n + 1} |", "",
                "See also " + ", ".join(f"[{r}]({r}.md)" for r in related) + ".", "",
            ]
            (docs / name / f"{item}.md").write_text("\n".join(body), encoding="utf-8")
            written += 1
    (docs / "index.md").write_text("\n".join(home) + "\n", encoding="utf-8")
    written += 1
    not_in_nav = "\n".join(f"  /{name}/[A-Z]*.md" for name in names)
    config = (
        "site_name: Floor site\n"
        "docs_dir: docs\n"
        "theme:\n"
        "  name: material\n"
        f"  language: {language}\n"
        "  font: false\n"
        "plugins:\n"
        "  - search\n"
        "nav:\n" + "\n".join(nav) + "\n"
        "not_in_nav: |\n" + not_in_nav + "\n"
    )
    (target / "mkdocs.yml").write_text(config, encoding="utf-8")
    return written
