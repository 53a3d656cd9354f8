"""The parse cache: never stale, never inside the knowledge base, harmless when broken."""

from __future__ import annotations

from pathlib import Path

from kb.cache import cache_dir
from kb.load import load

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
