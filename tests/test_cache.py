"""The parse cache: never stale, never inside the knowledge base, harmless when broken."""

from __future__ import annotations

from pathlib import Path

from kb.load.cache import cache_dir
from kb.load.loader import load

CONFIG = "title: T\nbase_iri: https://kb.example.org/t/\n"
H = "id: H01\ntitle: {title}\nstatement: S\nstatus: testing\nproposed: 2021-01-01\n"


def make(root: Path, title: str = "First") -> Path:
    (root / "hypotheses").mkdir(parents=True, exist_ok=True)
    (root / "kb.yaml").write_text(CONFIG, encoding="utf-8")
    (root / "hypotheses" / "H01.yaml").write_text(H.format(title=title), encoding="utf-8")
    return root


def test_a_changed_file_is_always_read_again(tmp_path):
    root = make(tmp_path / "kb")
    kb, _ = load(root)
    assert kb.hypotheses["H01"].title == "First"
    assert any(cache_dir().iterdir())  # the second load can use the cache
    (root / "hypotheses" / "H01.yaml").write_text(H.format(title="Second"), encoding="utf-8")
    kb, _ = load(root)
    assert kb.hypotheses["H01"].title == "Second"
    (root / "hypotheses" / "H01.yaml").write_text(H.format(title="[broken"), encoding="utf-8")
    _, diags = load(root)
    assert [d.code for d in diags] == ["KB104"]


def test_the_same_bytes_at_another_path_keep_their_own_position(tmp_path):
    root = make(tmp_path / "kb")
    load(root)
    (root / "hypotheses" / "H01.yaml").rename(root / "hypotheses" / "renamed.yaml")
    kb, _ = load(root)
    assert kb.where["H01"].path == "hypotheses/renamed.yaml"


def test_the_cache_lives_outside_the_knowledge_base(tmp_path):
    root = make(tmp_path / "kb")
    before = sorted(p.name for p in root.rglob("*"))
    load(root)
    assert sorted(p.name for p in root.rglob("*")) == before
    assert not cache_dir().resolve().is_relative_to(root.resolve())


def test_a_corrupt_cache_is_ignored(tmp_path):
    root = make(tmp_path / "kb")
    load(root)
    for f in cache_dir().iterdir():
        f.write_bytes(b"not a pickle")
    kb, diags = load(root)
    assert kb.hypotheses["H01"].title == "First" and not diags


def test_cache_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CACHE_DIR", str(tmp_path / "own-cache"))
    monkeypatch.setenv("KB_NO_CACHE", "1")
    load(make(tmp_path / "kb"))
    assert not (tmp_path / "own-cache").exists()


# --- the stored outcome of kb check ----------------------------------------------------


def kb_check(root: Path, *args: str):
    from click.testing import CliRunner

    from kb.cli import main

    return CliRunner().invoke(main, ["-C", str(root), "check", *args])


def test_kb_check_with_nothing_changed_prints_the_stored_outcome_without_loading(tmp_path, monkeypatch):
    import kb.load.loader

    root = make(tmp_path / "kb")
    (root / "evidence").mkdir()
    (root / "evidence" / "E01.yaml").write_text(
        "id: E01\ntitle: T\nkind: document\ndate: 2021-02-01\nsummary: S\n", encoding="utf-8")
    first = kb_check(root)
    assert first.exit_code == 0 and "KB401" in first.output

    def no_loading(*args, **kwargs):
        raise AssertionError("kb check loaded the knowledge base although nothing changed")

    monkeypatch.setattr(kb.load.loader, "load", no_loading)
    again = kb_check(root)
    assert (again.exit_code, again.output) == (first.exit_code, first.output)
    # the stored diagnostics keep their file, line and field
    assert "evidence/E01.yaml:1:5: warning KB401 id:" in again.output


def test_kb_check_sees_every_change_to_any_file(tmp_path):
    root = make(tmp_path / "kb")
    assert kb_check(root).exit_code == 0
    h01 = root / "hypotheses" / "H01.yaml"
    h01.write_text(H.format(title="[broken"), encoding="utf-8")
    broken = kb_check(root)
    assert broken.exit_code == 1 and "KB104" in broken.output
    h01.write_text(H.format(title="Fixed"), encoding="utf-8")
    assert kb_check(root).exit_code == 0
    # a new file is seen (here it repeats H01's id)
    (root / "hypotheses" / "H02.yaml").write_text(H.format(title="Two"), encoding="utf-8")
    duplicate = kb_check(root)
    assert duplicate.exit_code == 1 and "KB301" in duplicate.output
    (root / "hypotheses" / "H02.yaml").unlink()
    assert kb_check(root).exit_code == 0
    # and so is a change to kb.yaml alone
    (root / "evidence").mkdir()
    (root / "evidence" / "E01.yaml").write_text(
        "id: E01\ntitle: T\nkind: document\ndate: 2021-02-01\nsummary: S\nphase: start\n"
        "links:\n  - {hypothesis: H01, stance: supports, strength: weak}\n", encoding="utf-8")
    (root / "kb.yaml").write_text(CONFIG + "phases: [start, end]\n", encoding="utf-8")
    assert kb_check(root).exit_code == 0
    (root / "kb.yaml").write_text(CONFIG + "phases: [begin, end]\n", encoding="utf-8")
    changed = kb_check(root)
    assert changed.exit_code == 1 and "phase" in changed.output, changed.output


def test_a_corrupt_stored_outcome_is_ignored(tmp_path):
    root = make(tmp_path / "kb")
    first = kb_check(root)
    for f in cache_dir().iterdir():
        f.write_bytes(b"\x80\x05not a pickle")
    again = kb_check(root)
    assert (again.exit_code, again.output) == (first.exit_code, first.output)


def test_the_cache_is_plain_json_of_the_models(tmp_path):
    import json

    from kb.load.cache import _cache_path

    root = make(tmp_path / "kb")
    load(root)
    stored = json.loads(_cache_path(root, True, "").read_text(encoding="utf-8"))
    (entry,) = stored["entries"].values()
    (item,), diags, *_ = entry
    assert item[0] == "hypotheses" and json.loads(item[1])["title"] == "First" and diags == []


def test_entries_that_are_not_valid_unicode_are_still_written(tmp_path):
    # a file name that is not UTF-8 reaches Python as lone surrogates, which the fast encoder refuses
    from kb.load.cache import _read, _write_atomically

    path = tmp_path / "c.json"
    entries = [("plain", ["é", 1, True, None]), ("odd", ["bad\udcff name.yaml", [1, 2]])]
    _write_atomically(path, {"code": "x"}, entries)
    assert _read(path) == {"code": "x", "entries": dict(entries)}


def test_old_revisions_share_one_history_cache_per_process(tmp_path, monkeypatch):
    """kb diff reads two revisions: the second takes the first's files from memory, neither parsed nor read again."""
    import subprocess

    import kb.load.cache as cache
    import kb.load.loader as loader
    from kb.history.git import load_at

    root = make(tmp_path / "kb")
    (root / "hypotheses" / "H02.yaml").write_text(H.format(title="Other").replace("H01", "H02"), encoding="utf-8")
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run([*git, "-C", str(root), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(root), "commit", "-qm", "one"], check=True)
    (root / "hypotheses" / "H01.yaml").write_text(H.format(title="Second"), encoding="utf-8")
    subprocess.run([*git, "-C", str(root), "commit", "-qam", "two"], check=True)
    parsed, reads = [], []
    real_parse, real_read = loader.parse_file_fully, cache._read
    monkeypatch.setattr(loader, "parse_file_fully", lambda *a: parsed.append(a[1]) or real_parse(*a))
    monkeypatch.setattr(cache, "_read", lambda path: reads.append(path) or real_read(path))
    first, _, _ = load_at(root, "HEAD~1")
    second, _, _ = load_at(root, "HEAD")
    assert first.hypotheses["H01"].title == "First" and second.hypotheses["H01"].title == "Second"
    assert second.hypotheses["H02"].title == "Other"
    assert parsed.count("hypotheses/H02.yaml") == 1 and parsed.count("hypotheses/H01.yaml") == 2
    assert len([p for p in reads if p is not None and p.name.endswith("-history.json")]) == 1
