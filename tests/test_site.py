"""The website: kb.site.pages's pages (a pure function) and the MkDocs build around them.

Pure tests call :func:`kb.site.pages.render_site` on small KBs; build tests run the
real pipeline through :func:`kb.build.build` with a site config
that needs no network (no privacy plugin; tests/test_browser.py covers the
offline diagrams).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Sequence
from urllib.parse import unquote, urlsplit

import pytest

from kb.load.check import check
from kb.errors import errors_in
from kb.load.loader import load
from kb.site.pages import nav, render_site
from kb.site.fmt import esc, rich, url_link

ROOT = Path(__file__).resolve().parents[1]
SECRET = "RESTRICTED-TEXT"

#: Site settings for test builds: Material, search and kb; nothing that goes online.
OFFLINE_SITE = """\
site_name: Test site
theme:
  name: material
  font: false
plugins:
  - search
  - kb
validation:
  nav:
    omitted_files: ignore
"""

#: A KB with one restricted item carrying the marker in every text, and one illustrative item.
GUARDED = {
    "kb.yaml": """\
        title: Guarded
        base_iri: https://kb.example.org/guarded/
        languages: [en, nb]
        milestones:
          - {id: start, date: 2021-01-01, label: Start}
          - {id: end, date: 2022-12-31, label: End}
        """,
    "registry/registry.yaml": """\
        constructs:
          - {id: trust, label: Trust}
          - {id: co-creation, label: Co-creation}
        contexts:
          - {id: town, kind: municipality, label: Town, role: project}
          - {id: town-arena, kind: co_creation_arena, label: Town arena, part_of: town}
        """,
    "hypotheses/H1.yaml": """\
        id: H1
        title: {en: Trust helps, nb: Tillit hjelper}
        statement: {en: Trust helps co-creation., nb: Tillit hjelper samskaping.}
        relation: {from: trust, to: co-creation, effect: positive}
        status: testing
        proposed: 2021-01-01
        """,
    "hypotheses/H2.yaml": """\
        id: H2
        title: An example hypothesis
        statement: Only an example.
        status: proposed
        proposed: 2021-06-01
        illustrative: true
        """,
    "evidence/E1.yaml": f"""\
        id: E1
        kind: survey_measurement
        title: {SECRET} title
        date: 2021-03-01
        context: town-arena
        phase: start
        recorded_by: [Recorder {SECRET}]
        summary: {{en: "{SECRET} summary", nb: "{SECRET} sammendrag"}}
        restricted: true
        measurement:
          construct: trust
          value: 4.2
          scale: "1-7"
          sample_size: 50
          instrument: {SECRET} index
        links:
          - hypothesis: H1
            stance: supports
            strength: strong
            note: {SECRET} note
        """,
    "evidence/E2.yaml": """\
        id: E2
        kind: field_observation
        title: An open evidence item
        date: 2022-02-01
        context: town
        phase: end
        recorded_by: [Observer]
        summary: Seen in the open.
        links:
          - {hypothesis: H1, stance: contradicts, strength: weak, note: A public note}
        """,
}


def _load(root: Path):
    kb, diags = load(root)
    problems = errors_in(diags + check(kb))
    assert not problems, "\n".join(d.format() for d in problems)
    return kb


def _build(root: Path, out: Path, *, strict: bool = True, config: str | None = OFFLINE_SITE) -> Path:
    from kb.build import build

    if config is not None and not (root / "mkdocs.yml").exists():
        (root / "mkdocs.yml").write_text(config, encoding="utf-8")
        (root / "docs").mkdir(exist_ok=True)
    build(root, out, strict=strict)
    return out


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def guarded_site(tmp_path_factory) -> Path:
    from conftest import write_files

    root = tmp_path_factory.mktemp("guarded")
    write_files(root, GUARDED)
    (root / "queries").mkdir()
    shutil.copy(ROOT / "queries" / "standings.rq", root / "queries" / "standings.rq")
    return _build(root, root / "site")


# --- the pure function ----------------------------------------------------------------


def test_every_item_has_a_page(kitchen_sink):
    kb = _load(kitchen_sink)
    pages = render_site(kb)
    for folder, items in (("hypotheses", kb.hypotheses), ("evidence", kb.evidence),
                          ("constructs", kb.constructs), ("contexts", kb.contexts)):
        assert len(items) > 1
        for item_id in items:
            assert f"{folder}/{item_id}.md" in pages, item_id
    for index in ("index.md", "map.md", "gaps.md", "changes.md", "questions.md", "downloads.md",
                  "sources.md", "hypotheses/index.md", "evidence/index.md", "constructs/index.md",
                  "contexts/index.md"):
        assert index in pages
    assert [next(iter(entry.values())) for entry in nav(kb.config.site_language)][0] == "index.md"
    assert all(path in pages for entry in nav(kb.config.site_language) for path in entry.values())


def test_the_site_speaks_the_configured_language(kitchen_sink):
    pages = render_site(_load(kitchen_sink))  # site_language: nb
    assert "## Evidens for" in pages["hypotheses/H01.md"]
    assert 'title: "H01: Tillit fremmer samskaping"' in pages["hypotheses/H01.md"]


def test_hypothesis_page_has_everything_the_reader_needs(kitchen_sink):
    page = render_site(_load(kitchen_sink))["hypotheses/H01.md"]
    assert "Høyere tillit gir bedre samskaping" in page and "More trust makes co-creation succeed" in page
    assert 'class="kb-bar' in page and '<figure class="kb-diagram kb-chart"' in page and "<svg" in page
    assert '<a href="../../evidence/E01/">E01</a>' in page and '<a href="../../evidence/E03/">E03</a>' in page
    assert "Trust is needed before co-creation can start." in page  # the earlier statement
    assert '<a href="../H02/">H02</a>' in page  # refined by


def test_restricted_evidence_shows_no_text(make_kb):
    from conftest import write_files  # noqa: F401  (make_kb writes the files)

    from kb.public import public_view

    kb = public_view(_load(make_kb(GUARDED)))  # the site is made of the public view (kb.public)
    pages = render_site(kb)
    leaks = [path for path, text in pages.items() if SECRET in text]
    assert leaks == []
    page = pages["evidence/E1.md"]
    assert "2021-03-01" in page and '<a href="../../contexts/town-arena/">Town arena</a>' in page
    assert '<a href="../../hypotheses/H1/">H1</a>' in page


def test_illustrative_data_is_announced(make_kb):
    pages = render_site(_load(make_kb(GUARDED)))
    notice = '<p class="admonition-title">Illustrative data</p>'
    assert notice in pages["hypotheses/H2.md"]
    assert notice in pages["index.md"] and notice in pages["hypotheses/index.md"]
    assert notice not in pages["hypotheses/H1.md"]
    assert notice not in pages["evidence/E2.md"]


def test_no_illustrative_notice_without_illustrative_data(make_kb):
    files = {k: v for k, v in GUARDED.items() if k != "hypotheses/H2.yaml"}
    pages = render_site(_load(make_kb(files)))
    assert not [p for p, text in pages.items() if "Illustrative data" in text]


def test_same_kb_same_pages(kitchen_sink):
    kb = _load(kitchen_sink)
    first = render_site(kb, build_date="2024-01-01")
    again = render_site(_load(kitchen_sink), build_date="2024-01-01")
    assert first == again
    later = render_site(kb, build_date="2099-12-31")
    differ = [p for p in first if first[p] != later[p]]
    assert differ == ["index.md"]
    assert first["index.md"].replace("2024-01-01", "2099-12-31") == later["index.md"]


def test_markup_in_texts_is_escaped():
    assert esc("<script>alert(1)</script>") == "&#60;script&#62;alert(1)&#60;/script&#62;"
    assert "<" not in esc('<img src=x onerror="x()">') and '"' not in esc('"')
    assert esc("*bold* [x](y) `c` | cell") == "&#42;bold&#42; &#91;x&#93;(y) &#96;c&#96; &#124; cell"
    out = rich('<script>x()</script> <img src=x onerror=y()> [a](javascript:alert(1)) [b](https://ok.example/)')
    assert "<script" not in out and "<img" not in out and "javascript:" not in out
    assert "&lt;script&gt;" in out and 'href="https://ok.example/"' in out
    assert "<a" not in out.replace('<a href="https://ok.example/"', "")


def test_plain_texts_skip_markdown_with_the_same_result():
    from kb.site.fmt import _markdown

    for text in ("Første avsnitt, med komma.\n\nAndre avsnitt\nover to linjer.", "One line only."):
        assert rich(text) == _markdown().reset().convert(text)


def test_diagram_links_are_relative_to_the_page():
    assert url_link("map.md", "hypotheses/H1.md") == "../hypotheses/H1/"
    assert url_link("index.md", "hypotheses/H1.md") == "hypotheses/H1/"
    assert url_link("hypotheses/H1.md", "constructs/a.md") == "../../constructs/a/"
    assert url_link("map.md", "hypotheses/H1.md", directory_urls=False) == "hypotheses/H1.html"


def test_ids_mkdocs_reads_as_indexes_get_their_own_page(make_kb):
    files = dict(GUARDED)
    files["hypotheses/index.yaml"] = ("id: index\ntitle: Index\nstatement: S.\nstatus: proposed\n"
                                      "proposed: 2021-01-01\n")
    files["hypotheses/README.yaml"] = ("id: README\ntitle: Readme\nstatement: S.\nstatus: proposed\n"
                                       "proposed: 2021-01-01\n")
    pages = render_site(_load(make_kb(files)))
    assert "hypotheses/-index.md" in pages and "hypotheses/-README.md" in pages
    assert "\n# Hypotheses\n" in pages["hypotheses/index.md"]


def test_a_gap_map_of_many_contexts_groups_its_columns(make_kb):
    """A column per municipality stops where a reader can no longer follow a row (and where the page
    would grow with hypotheses times contexts); past that, municipalities are grouped by role."""
    import html

    from kb.site.gapmap import MAX_GAP_COLUMNS

    few = render_site(_load(make_kb(GUARDED)))["gaps.md"]
    assert "contexts/town" in few and "columns with evidence" not in few
    files = dict(GUARDED)
    others = "".join(f"  - {{id: m{i}, kind: municipality, label: M{i}, role: sparring}}\n"
                     for i in range(MAX_GAP_COLUMNS))
    files["registry/registry.yaml"] = files["registry/registry.yaml"].replace(
        "        contexts:\n", "        contexts:\n" + "".join("        " + line + "\n" for line in others.splitlines()))
    for i in range(MAX_GAP_COLUMNS):  # only columns with evidence count: empty ones are folded away
        files[f"evidence/EM{i}.yaml"] = (f"id: EM{i}\nkind: field_observation\ntitle: M{i}\ndate: 2022-01-01\n"
                                         f"context: m{i}\nsummary: S.\nlinks:\n"
                                         "  - {hypothesis: H1, stance: supports, strength: moderate}\n")
    page = render_site(_load(make_kb(files)))["gaps.md"]
    head = next(line for line in page.splitlines() if line.startswith("<thead>") and "project (1)" in line)
    assert head.count('<th scope="col"') == 3  # hypothesis, project, sparring
    assert f"sparring ({MAX_GAP_COLUMNS})" in head and "contexts/m1" not in page
    assert f"H1 · sparring ({MAX_GAP_COLUMNS}): {MAX_GAP_COLUMNS} supporting" in html.unescape(page)
    assert "H1 · project (1): 1 supporting, 1 contradicting" in html.unescape(page)  # E1 and E2, from the town
    assert f"There are {MAX_GAP_COLUMNS + 1} columns with evidence" in page


def test_git_history_is_shown_escaped(make_kb):
    from kb.history.git import Commit, Diff, GitHistory, HypothesisChange

    kb = _load(make_kb(GUARDED))
    commit = Commit("0123456789abcdef", "2022-01-02", "Kari <kari@example.org>", "Reword <script>H1</script>",
                    ["H1 reworded"], ["H1"])
    change = HypothesisChange("H1", "Trust helps", "Trust helps a bit.", "Trust helps co-creation.",
                              "proposed", "testing", new_evidence=[{"id": "E2"}])
    added = [{"id": "H2", "title": "An example hypothesis", "status": "proposed"}]
    diff = Diff("start", "end", hypotheses_added=added, hypotheses_changed=[change], evidence_added=[{"id": "E1"}, {"id": "E2"}],
                constructs_removed=["gone"])
    pages = render_site(kb, history=GitHistory({"H1": [commit]}, [("start", "end", diff)]))
    page = pages["hypotheses/H1.md"]
    assert "## Changes in git" in page and "<code>0123456789</code>" in page
    assert "&#60;script&#62;H1&#60;/script&#62;" in page and "<script" not in page
    changes = pages["changes.md"]
    assert "### Start → End" in changes
    assert "<del>a&#32;bit.</del>" in changes or "<del>a bit.</del>" in changes
    assert "<ins>co-creation.</ins>" in changes
    assert '<a href="../evidence/E1/">E1</a>' in changes and "gone" in changes
    assert "## Changes in git" not in pages["hypotheses/H2.md"]


def test_missing_git_history_is_said_without_local_paths(make_kb):
    from kb.history.git import GitHistory

    root = make_kb(GUARDED)
    pages = render_site(_load(root), history=GitHistory(reason=f"{root} is not in a git repository"))
    assert "git history is not available" in pages["changes.md"]
    assert not [p for p, text in pages.items() if str(root) in text]


# --- the MkDocs build -----------------------------------------------------------------


def _html_files(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def test_restricted_text_is_nowhere_in_the_site(guarded_site):
    leaks = [rel for rel, data in _files(guarded_site).items() if SECRET.encode() in data]
    assert leaks == []
    index = json.loads((guarded_site / "search/search_index.json").read_text(encoding="utf-8"))
    # a restricted item's page is left out of the search index (its front matter says search: exclude)
    assert not any(doc["location"].startswith("evidence/E1/") for doc in index["docs"])
    assert any(doc["location"].startswith("evidence/E2/") for doc in index["docs"])
    assert (guarded_site / "evidence/E1/index.html").is_file()


def test_the_site_has_a_page_per_item_and_the_downloads(guarded_site):
    for rel in ("hypotheses/H1/index.html", "hypotheses/H2/index.html", "evidence/E1/index.html",
                "evidence/E2/index.html", "constructs/trust/index.html", "contexts/town/index.html",
                "contexts/town-arena/index.html", "downloads/kb.graphml", "assets/kb.css"):
        assert (guarded_site / rel).is_file(), rel
    try:
        import kb.rdf.export  # noqa: F401
    except ImportError:
        return
    for rel in ("downloads/kb.ttl", "downloads/kb.jsonld"):
        assert (guarded_site / rel).is_file(), rel


def test_the_downloads_are_the_exports(guarded_site):
    from kb.public import public_view
    from kb.rdf.export import serialize

    kb = public_view(_load(guarded_site.parent))
    assert (guarded_site / "downloads/kb.ttl").read_text(encoding="utf-8") == serialize(kb, "ttl")
    assert (guarded_site / "downloads/kb.jsonld").read_text(encoding="utf-8") == serialize(kb, "jsonld")


def _run_kb(root: Path, *args: str, program: Sequence[str] = ("kb",)) -> tuple[subprocess.CompletedProcess, int]:
    """The kb program itself (as a user runs it), and its process id."""
    with subprocess.Popen([*program, "-C", str(root), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as proc:
        out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err), proc.pid


def _guarded_with_questions(make_kb, hook: str = "") -> Path:
    root = make_kb(GUARDED)
    (root / "queries").mkdir()
    shutil.copy(ROOT / "queries" / "standings.rq", root / "queries" / "standings.rq")
    (root / "mkdocs.yml").write_text(OFFLINE_SITE + hook, encoding="utf-8")
    (root / "docs").mkdir(exist_ok=True)
    return root


def test_kb_build_runs_the_store_and_mkdocs_in_processes_that_never_held_the_kb(make_kb, tmp_path):
    """MkDocs (which holds every page) and the saved questions' store (the whole KB as RDF) each
    run in a child process, at every size, so neither comes on top of the KB's memory; see
    docs/architecture.md."""
    seen = tmp_path / "seen.json"
    hook = tmp_path / "record.py"
    hook.write_text("import json, os, sys\n"
                    "def on_config(config):\n"
                    f"    open({str(seen)!r}, 'w').write(json.dumps([os.getpid(), 'kb.load.loader' in sys.modules]))\n",
                    encoding="utf-8")
    root = _guarded_with_questions(make_kb, f"hooks:\n  - {hook}\n")
    out = tmp_path / "out" / "site"
    done, pid = _run_kb(root, "build", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"built {out}: 2 hypotheses, 2 evidence items")
    engine_pid, loaded_kb = json.loads(seen.read_text())
    assert engine_pid != pid and not loaded_kb
    assert (out / "hypotheses" / "H1" / "index.html").is_file()
    answers = (out / "questions" / "index.html").read_text(encoding="utf-8")
    assert "<th>belief</th>" in answers and re.search(r'<td><a href="[^"]*hypotheses/H1/"[^>]*>H1</a></td>', answers)
    assert [p.name for p in out.parent.iterdir()] == ["site"]  # no work folder left


def test_kb_build_failing_in_mkdocs_keeps_the_previous_site(make_kb, tmp_path):
    root = _guarded_with_questions(make_kb)
    out = tmp_path / "out" / "site"
    assert _run_kb(root, "build", "-o", str(out))[0].returncode == 0
    before = _files(out)
    (root / "docs" / "broken.md").write_text("# Broken\n\n[nowhere](missing.md)\n", encoding="utf-8")
    done, _ = _run_kb(root, "build", "--strict", "-o", str(out))
    assert done.returncode == 2
    assert "kb: the site could not be built" in done.stderr and "Traceback" not in done.stderr
    assert _files(out) == before
    assert [p.name for p in out.parent.iterdir()] == ["site"]


def test_a_saved_question_that_fails_is_shown_and_fails_a_strict_build(make_kb, tmp_path):
    root = _guarded_with_questions(make_kb)
    (root / "queries" / "broken.rq").write_text("# A question with a typo\nSELECT ?x WHERE { ?x }\n", encoding="utf-8")
    out = tmp_path / "out" / "site"
    done, _ = _run_kb(root, "build", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "queries/broken.rq:1:1: warning KB601" in done.stderr
    page = (out / "questions" / "index.html").read_text(encoding="utf-8")
    assert "the query failed" in page and re.search(r'<td><a [^>]*>H1</a></td>', page)  # the other question is answered
    before = _files(out)
    done, _ = _run_kb(root, "build", "--strict", "-o", str(out))
    assert done.returncode == 1 and "warning KB601" in done.stderr and "--strict" in done.stderr
    assert _files(out) == before


def test_kb_pages_builds_without_kb_into_the_same_pages_as_kb_build(make_kb, tmp_path, monkeypatch):
    """The plugin only speeds MkDocs up: a plain MkDocs build of `kb pages` gives the same HTML, page
    for page (the search index differs: the plugin leaves diagrams and listings out of it)."""
    from kb.build import build, pages

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = _guarded_with_questions(make_kb)
    (root / "docs" / "sources.md").write_text("# Our sources\n\nWritten by hand.\n", encoding="utf-8")
    build(root, tmp_path / "built", strict=True)
    pages(root, tmp_path / "pages")
    config = (tmp_path / "pages" / "mkdocs.yml").read_text(encoding="utf-8")
    assert "- kb" not in config
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(tmp_path / "pages" / "mkdocs.yml"),
                           "-d", str(tmp_path / "plain")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for other in sorted((tmp_path / "pages").glob("mkdocs.*.yml")):  # each other language's site, below the root's
        lang = other.name.split(".")[1]
        done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(other),
                               "-d", str(tmp_path / "plain" / lang)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    built, plain = _files(tmp_path / "built"), _files(tmp_path / "plain")
    pages_of = {rel for rel in built if rel.endswith(".html")}
    assert pages_of and pages_of <= set(plain)
    assert [rel for rel in sorted(pages_of) if _body(built[rel]) != _body(plain[rel])] == []
    assert b"Written by hand." in plain["sources/index.html"]
    assert plain["downloads/kb.ttl"] == built["downloads/kb.ttl"]


def _body(page: bytes) -> bytes:
    """A page's article (the content kb makes), without the theme's frame around it."""
    text = page.decode("utf-8")
    start, end = text.find("<article"), text.find("</article>")
    assert start > 0 and end > start
    return text[start:end].encode("utf-8")


def test_saved_questions_are_answered_on_the_site(guarded_site):
    from kb.public import public_view
    from kb.rdf.export import iter_triples, load_store
    from kb.rdf.questions import answer_table

    kb = public_view(_load(guarded_site.parent))
    text = (ROOT / "queries" / "standings.rq").read_text(encoding="utf-8")
    columns, rows = answer_table(load_store(iter_triples(kb)), text, timeout=None)
    page = (guarded_site / "questions/index.html").read_text(encoding="utf-8")
    # each row's hypothesis, linked to its page
    assert rows and all(re.search(f'<td><a href="[^"]*"[^>]*>{re.escape(html.escape(str(row[0])))}</a></td>', page)
                        for row in rows), rows
    assert all(f"<th>{html.escape(c)}</th>" in page for c in columns)


def test_search_finds_the_texts_and_skips_diagrams_and_listings(guarded_site):
    docs = json.loads((guarded_site / "search/search_index.json").read_text(encoding="utf-8"))["docs"]

    def text_of(prefix: str) -> str:
        return " ".join(d["title"] + " " + d["text"] for d in docs if d["location"].startswith(prefix))

    assert "Trust helps co-creation." in text_of("hypotheses/H1/")
    assert "Seen in the open." in text_of("evidence/E2/")
    assert "A public note" in text_of("evidence/E2/")  # an evidence page keeps its judgements
    assert "An open evidence item" not in text_of("hypotheses/H1/")  # a listing of other pages
    # an evidence page is one entry (short pages; at 100,000 items the index is much smaller)
    assert [d["location"] for d in docs if d["location"].startswith("evidence/E2/")] == ["evidence/E2/"]
    assert len([d for d in docs if d["location"].startswith("hypotheses/H1/")]) > 1  # sections kept
    assert not [d["location"] for d in docs if "flowchart" in d["text"] or "kb-bar" in d["text"]]


def test_the_nav_lists_index_pages_only(guarded_site):
    page = (guarded_site / "hypotheses/H1/index.html").read_text(encoding="utf-8")
    nav_links = re.findall(r'class="md-nav__link[^"]*"[^>]*href="([^"]+)"|href="([^"]+)"[^>]*class="md-nav__link',
                           page)
    targets = {a or b for a, b in nav_links} - {t for a, b in nav_links for t in (a, b) if t.startswith("#")}
    assert not any(re.search(r"hypotheses/H\d|evidence/E\d", t) for t in targets), targets
    assert len(targets) <= 12


def test_every_internal_link_resolves(guarded_site):
    broken = []
    for page in _html_files(guarded_site):
        text = page.read_text(encoding="utf-8")
        hrefs = re.findall(r'(?:href|src)="([^"]+)"', text)
        for href in hrefs:
            url = urlsplit(html.unescape(href))
            if url.scheme or url.netloc or not url.path:
                continue
            base = guarded_site if url.path.startswith("/") else page.parent  # 404.html links from the root
            target = (base / unquote(url.path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(guarded_site)} -> {href}")
    assert broken == []


def test_markup_in_the_yaml_stays_text(make_kb, tmp_path):
    files = dict(GUARDED)
    files["hypotheses/H3.yaml"] = """\
        id: H3
        title: "</title><script>window.__xss = 1</script>"
        statement: "<img src=x onerror=alert(1)> and [link](javascript:alert(2))"
        relation: {from: trust, to: co-creation, effect: negative}
        status: proposed
        proposed: 2021-01-01
        """
    site = _build(make_kb(files), tmp_path / "site")
    for page in _html_files(site):
        text = page.read_text(encoding="utf-8")
        assert "<script>window.__xss" not in text, page
        assert not re.search(r"<[a-z]+[^>]*\sonerror=", text), page
        assert not re.search(r'href="\s*javascript:', text, re.I), page
    page = (site / "hypotheses/H3/index.html").read_text(encoding="utf-8")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", page).group(1)
    assert html.unescape(heading) == "H3: </title><script>window.__xss = 1</script>"  # shown as text
    assert "<title>H3: ‹/title›‹script›window.__xss = 1‹/script› - Guarded</title>" in page


def test_builds_are_byte_identical(make_kb, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = make_kb(GUARDED)
    one = _files(_build(root, tmp_path / "one"))
    two = _files(_build(root, tmp_path / "two"))
    assert one.keys() == two.keys()
    assert [rel for rel in one if one[rel] != two[rel]] == []


def test_builds_differ_by_the_build_date_only(make_kb, tmp_path, monkeypatch):
    root = make_kb(GUARDED)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14
    one = _files(_build(root, tmp_path / "one"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")  # 2027-01-15
    two = _files(_build(root, tmp_path / "two"))
    differ = sorted(rel for rel in one if one[rel] != two[rel])
    assert "index.html" in differ
    for rel in differ:
        if not rel.endswith("sitemap.xml.gz"):  # gzip stores the build time itself (in each language's site)
            assert one[rel].replace(b"2023-11-14", b"2027-01-15") == two[rel], rel


def test_a_failed_build_leaves_the_previous_site(make_kb, tmp_path):
    from kb.engine.mkdocs import SiteError

    root = make_kb(GUARDED)
    out = tmp_path / "site"
    _build(root, out)
    before = _files(out)
    (root / "docs" / "broken.md").write_text("# Broken\n\n[nowhere](missing.md)\n", encoding="utf-8")
    with pytest.raises(SiteError):
        _build(root, out, strict=True)
    assert _files(out) == before
    assert [p.name for p in out.parent.iterdir() if p.name.startswith(".site")] == []  # nothing half-built left


def test_a_kb_without_mkdocs_yml_gets_a_site(make_kb, tmp_path, monkeypatch):
    import requests

    def offline(*args, **kwargs):
        raise requests.ConnectionError("no network in tests")

    monkeypatch.setattr(requests, "get", offline)  # the privacy plugin may try; it must not matter
    root = make_kb(GUARDED)
    site = _build(root, tmp_path / "site", strict=False, config=None)
    assert (site / "hypotheses/H1/index.html").is_file()
    assert "Guarded" in (site / "index.html").read_text(encoding="utf-8")


def test_a_kb_with_errors_is_not_built(make_kb, tmp_path, caplog):
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, PluginError

    files = dict(GUARDED)
    files["hypotheses/H9.yaml"] = "id: H9\ntitle: T\nstatement: S.\nstatus: maybe\nproposed: 2021-01-01\n"
    root = make_kb(files)
    (root / "mkdocs.yml").write_text(OFFLINE_SITE, encoding="utf-8")
    (root / "docs").mkdir()
    with pytest.raises((PluginError, Abort)) as failure:
        build(load_config(str(root / "mkdocs.yml"), site_dir=str(tmp_path / "site")))
    assert "KB204" in str(failure.value) or "KB204" in caplog.text
    assert not (tmp_path / "site" / "index.html").exists()


def test_the_shipped_kb_builds_strictly(tmp_path):
    """The repository's own mkdocs.yml and KB: strict, and every asset local (diagrams are SVG in the pages)."""
    from kb.build import build

    site = tmp_path / "site"
    build(ROOT, site, strict=False)  # MkDocs itself runs strict: the shipped mkdocs.yml says so
    kb = _load(ROOT)
    for hid in kb.hypotheses:
        assert (site / "hypotheses" / hid / "index.html").is_file()
    outside = set()
    for page in _html_files(site):
        text = page.read_text(encoding="utf-8")
        outside |= set(re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?://[^"]+)"', text))
    assert outside == set()
    assert not list(site.rglob("mermaid*"))
    # the map page draws its diagram itself: an SVG in the page, and no diagram library
    assert "<svg" in (site / "map/index.html").read_text(encoding="utf-8")
    sources = (site / "sources/index.html").read_text(encoding="utf-8")
    assert "<svg" not in sources[sources.index("<article"):sources.index("</article>")]


# --- kb's pages through Python-Markdown, quickly -----------------------------------------


def _markdown_of_mkdocs_yml(extra: list) -> object:
    """A Markdown converter with the extensions the repository's mkdocs.yml and the plugin set."""
    import markdown

    return markdown.Markdown(
        extensions=["toc", "tables", "admonition", "attr_list", "pymdownx.details", "pymdownx.superfences", *extra])


@pytest.mark.parametrize("which", ["shipped", "kitchen", "guarded", "hostile"])
def test_stashing_generated_html_changes_nothing_in_the_pages(which, kitchen_sink, make_kb):
    """The plugin's shortcuts (GeneratedHtml in one converter reused for every page, and
    sitemarkdown.page_html with no parser) must give exactly what a fresh Python-Markdown
    converter gives alone: the same HTML and the same table of contents."""
    from test_browser import HOSTILE

    from kb.engine.plugin import GeneratedHtml
    from kb.engine.fasthtml import page_html

    root = {"shipped": ROOT, "kitchen": kitchen_sink, "guarded": None, "hostile": None}[which]
    if which == "guarded":
        root = make_kb(GUARDED)
    elif which == "hostile":
        root = make_kb(HOSTILE)
    pages = render_site(_load(root))
    shortcut = GeneratedHtml()
    fast = _markdown_of_mkdocs_yml([shortcut])
    stashed = fast_pages = 0
    for path, text in pages.items():
        if not path.endswith(".md"):
            continue
        body = text.split("\n---\n", 1)[1] if text.startswith("---\n") else text
        plain = _markdown_of_mkdocs_yml([])
        expected = plain.convert(body)
        shortcut.active = True
        got = fast.reset().convert(body)
        assert got == expected, path
        assert fast.toc_tokens == plain.toc_tokens, path
        quick = page_html(body)
        if quick is not None:
            fast_pages += 1
            assert quick == (expected, plain.toc_tokens), path
        fast.reset()
        stashed += len([line for line in fast.preprocessors["kb_generated_html"].run(body.split("\n"))
                        if "wzxhzdk" in line])
    assert stashed > len(pages)  # the shortcut did take the HTML blocks, and Markdown's own pass had none
    assert fast_pages >= 0.9 * sum(1 for p in pages if p.endswith(".md"))  # most need no parser at all


@pytest.mark.parametrize("text", ["- a list", "1. first", "> quote", "a `code` word", "[a](b)", "x_y_z",
                                  "    indented", "line  \nbreak", "a\tb", "***", "a * b",
                                  "Title\n=====", "```python\nx\n```", '!!! note "n"\n\n    - a list'])
def test_page_html_leaves_everything_else_to_markdown(text):
    from kb.engine.fasthtml import page_html

    assert page_html(text) is None
