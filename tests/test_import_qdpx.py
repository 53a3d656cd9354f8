"""kb import qdpx / qdc: coded segments from a real QDA tool's REFI-QDA export become evidence.

The fixtures in tests/data/qdpx/ are qualitative-coding's own ``qc export``
output (tests/data/qdpx/README.md says how they were made): three illustrative
documents, two coders, v2 a later round of coding. Every test imports them
into a copy of the shipped knowledge base.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import run
from kb.public import PUBLIC_EVIDENCE_FIELDS

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "qdpx"
V1, V2, MAPPING = DATA / "arenas-v1.qdpx", DATA / "arenas-v2.qdpx", DATA / "mapping.yaml"
QDE = "{urn:QDA-XML:project:1.0}"


def segments(qdpx: Path) -> list[dict]:
    """Every coded segment of an export, read with the standard library (not with kb's reader)."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(qdpx) as z:
        root = ET.fromstring(z.read("project.qde"))
        users = {u.get("guid"): u.get("name") for u in root.iter(QDE + "User")}
        codes = {c.get("guid"): c.get("name") for c in root.iter(QDE + "Code")}
        out = []
        for src in root.iter(QDE + "TextSource"):
            text = z.read("sources/" + src.get("plainTextPath")[len("internal://"):]).decode("utf-8")
            for sel in src.iter(QDE + "PlainTextSelection"):
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
                out.append({"source": src.get("name"), "guid": sel.get("guid"), "start": start, "end": end,
                            "text": text[start:end].strip(),
                            "codings": [(users[c.get("creatingUser")], codes[c.find(QDE + "CodeRef").get("targetGUID")])
                                        for c in sel.iter(QDE + "Coding")]})
    return out


#: every quoted text and document name in the fixtures: none may leave the repository
SECRETS = sorted({s["text"] for f in (V1, V2) for s in segments(f)} | {s["source"] for s in segments(V1)})


def assert_no_secret(text: str, where: str) -> None:
    found = [s for s in SECRETS if s in text]
    assert not found, f"{where} shows quoted or identifying text of imported segments: {found[:3]}"


@pytest.fixture
def kb_root(tmp_path: Path) -> Path:
    """A copy of the shipped KB with the fixtures' mapping file in place."""
    root = tmp_path / "kb"
    root.mkdir()
    for name in ("kb.yaml", "hypotheses", "evidence", "registry", "data"):
        src = REPO / name
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, root / name)
    (root / "imports").mkdir()
    shutil.copyfile(MAPPING, root / "imports" / "qdpx-mapping.yaml")
    return root


def imported(root: Path) -> dict[str, dict]:
    """The imported evidence files, by segment GUID."""
    out = {}
    for path in sorted((root / "evidence").glob("qda-*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        out[data["origin"]["segment"]] = {**data, "_path": path}
    return out


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def import_ok(root: Path, *args) -> str:
    result = run("import", "qdpx", *args, cwd=root)
    assert result.exit_code == 0, result.output
    return result.output


# --- the fixture --------------------------------------------------------------------------


def test_the_fixture_is_the_tools_own_export():
    for qdpx in (V1, V2):
        with zipfile.ZipFile(qdpx) as z:
            qde = z.read("project.qde").decode("utf-8")
        assert 'origin="qc 1.7.8"' in qde, "written by qualitative-coding's REFI-QDA writer"
    found = segments(V1)
    assert {s["source"] for s in found} == {"intervju-stad-01.txt", "feltnotat-nf-trygg-oppvekst.txt",
                                            "verksted-stad-ws1.txt"}
    both = [s for s in found if {c for c, _ in s["codings"]} == {"Coder A", "Coder B"}]
    assert len(both) >= 3, "two coders code the same segments"
    assert all(s["text"] for s in found)
    assert (DATA / "make_fixture.py").is_file() and "make_fixture.py" in (DATA / "README.md").read_text("utf-8")


# --- a first import -----------------------------------------------------------------------


def test_import_gives_one_item_per_coded_segment(kb_root):
    out = import_ok(kb_root, V1)
    assert "9 added, 0 changed, 0 withdrawn were imported; 0 conflict(s)" in out
    items = imported(kb_root)
    # v1 has 10 coded segments; one (workshop line 3) carries only an ignored code
    expected = [s for s in segments(V1) if any(code != "deltakelse-skjev" for _, code in s["codings"])]
    assert set(items) == {s["guid"] for s in expected} and len(items) == 9
    for seg in expected:
        item = items[seg["guid"]]
        assert (item["origin"]["start"], item["origin"]["end"]) == (seg["start"], seg["end"])
        assert item["quote"] == seg["text"], "the segment's own text, cut at its positions"
        assert item["origin"]["source_name"] == seg["source"]
        assert [(c["coder"], c["code_name"]) for c in item["origin"]["codings"]] == [
            (coder, code) for coder, code in seg["codings"] if code != "deltakelse-skjev"]
        assert item["restricted"] is True and item["illustrative"] is True


def test_kinds_contexts_and_judgements_come_from_the_mapping(kb_root):
    import_ok(kb_root, V1)
    by_text = {item["quote"]: item for item in imported(kb_root).values()}
    interview = by_text["Deltaker: Jeg kjente de fra hjemmetjenesten fra før, så jeg stolte på at de mente alvor."]
    assert (interview["kind"], interview["context"], interview["date"], interview["phase"]) == (
        "interview", "stad-hjemmebasert-omsorg", "2021-05-20", "start")
    # two coders' codings of one segment: two judgements, each signed by its coder
    assert interview["links"] == [
        {"hypothesis": "H01", "stance": "supports", "strength": "moderate", "by": "Coder A"},
        {"hypothesis": "H01", "stance": "supports", "strength": "moderate", "by": "Coder B"}]
    note = by_text["Samtalen ble mer åpen etter at alle hadde sittet ansikt til ansikt en stund."]
    assert note["kind"] == "field_observation" and note["context"] == "nf-trygg-oppvekst"
    assert sorted((link["hypothesis"], link["by"]) for link in note["links"]) == [
        ("H01", "Coder B"), ("H08", "Coder A"), ("H08", "Coder B")]
    assert sorted(c["construct"] for c in note["origin"]["codings"]) == ["face-to-face-dialogue",
                                                                        "face-to-face-dialogue", "trust"]
    workshop = by_text["Flere sa at de vil ha arenaens forslag inn i budsjettprosessen."]
    assert workshop["kind"] == "workshop_record" and workshop["context"] == "stad-ws1"
    risky = by_text["Deltaker: Men det tok lang tid før noe skjedde, saksbehandlerne ville sjekke alt med jurist først."]
    assert {link["strength"] for link in risky["links"]} == {"strong"}
    identity = by_text["Ungdommene sa de ikke kjente seg igjen i den nye kommunen ennå."]
    assert "links" not in identity and identity["origin"]["codings"][0]["construct"] == "place-identity"


def test_imported_files_pass_kb_check(kb_root):
    import_ok(kb_root, V1)
    result = run("check", "--format", "json", cwd=kb_root)
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    found = found["diagnostics"] if isinstance(found, dict) else found
    assert not [d for d in found if d["severity"] == "error"]


def test_ids_are_stable_across_imports(kb_root, tmp_path):
    import_ok(kb_root, V1)
    first = sorted(p.name for p in (kb_root / "evidence").glob("qda-*.yaml"))
    for path in (kb_root / "evidence").glob("qda-*.yaml"):
        path.unlink()
    import_ok(kb_root, V1)
    assert sorted(p.name for p in (kb_root / "evidence").glob("qda-*.yaml")) == first


def test_the_agreement_statistics_see_both_coders(kb_root):
    def units() -> dict:
        result = run("agreement", "--format", "json", cwd=kb_root)
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        return {h: v["units"] for h, v in data["hypotheses"].items()} | {"overall": data["overall"]["units"]}

    before = units()
    import_ok(kb_root, V1)
    after = units()
    # segments both coders judged for the same hypothesis: interview lines 2 (H01) and 4 (H09),
    # field-note line 2 (H08), workshop line 2 (H07); each is one more unit of agreement
    assert after["overall"] - before["overall"] == 4
    for h in ("H01", "H07", "H08", "H09"):
        assert after[h] - before.get(h, 0) == 1, h


def test_a_document_can_be_one_item_with_all_its_segments(kb_root):
    path = kb_root / "imports" / "qdpx-mapping.yaml"
    path.write_text(path.read_text("utf-8").replace("date: 2021-03-10, phase: start}",
                                                    "date: 2021-03-10, phase: start, unit: document}"), "utf-8")
    out = import_ok(kb_root, V1)
    assert "8 added" in out  # 4 + 3 segments, and the workshop record as one
    workshop = [s for s in segments(V1) if s["source"] == "verksted-stad-ws1.txt"]
    (item,) = [i for i in imported(kb_root).values() if i["origin"]["source_name"] == "verksted-stad-ws1.txt"]
    assert item["origin"]["segment"] == item["origin"]["source"] and "start" not in item["origin"]
    assert sorted((link["hypothesis"], link["by"]) for link in item["links"]) == [("H07", "Coder A"), ("H07", "Coder B")]
    positions = {(c["segment"], c["start"], c["end"], c["coder"]) for c in item["origin"]["codings"]}
    assert positions == {(s["guid"], s["start"], s["end"], coder) for s in workshop for coder, code in s["codings"]
                         if code != "deltakelse-skjev"}
    assert all(s["text"] in item["quote"] for s in workshop[:2])
    assert run("check", cwd=kb_root).exit_code == 0


# --- privacy ---------------------------------------------------------------------------------


def test_the_quote_is_not_a_public_field():
    assert "quote" not in PUBLIC_EVIDENCE_FIELDS and "origin" not in PUBLIC_EVIDENCE_FIELDS


def test_secrets_are_in_the_repository(kb_root):
    """The imported files really hold the quotes, so the tests below can fail."""
    import_ok(kb_root, V1)
    written = "".join(p.read_text("utf-8") for p in (kb_root / "evidence").glob("qda-*.yaml"))
    assert sum(1 for s in SECRETS if s in written) >= 12


@pytest.fixture
def imported_kb(kb_root) -> Path:
    import_ok(kb_root, V1)
    return kb_root


def test_no_output_shows_the_quoted_text(imported_kb):
    some = sorted(p.stem for p in (imported_kb / "evidence").glob("qda-*.yaml"))
    commands = [["export", "--format", f] for f in ("ttl", "jsonld", "nt")] + [
        ["status", "--format", "json"], ["gaps", "--format", "json"], ["agreement", "--format", "json"],
        ["graph", "--format", "json"], ["show", "H01", "--explain"], ["show", "stad-hjemmebasert-omsorg"],
        ["query", "SELECT * WHERE { ?s ?p ?o }"],
    ] + [["show", eid, "--format", f] for eid in some for f in ("text", "json")]
    for args in commands:
        result = run(*args, cwd=imported_kb)
        assert result.exit_code == 0, (args, result.output)
        assert_no_secret(result.output, "kb " + " ".join(args))
    shown = json.loads(run("show", some[0], "--format", "json", cwd=imported_kb).output)
    assert shown["restricted"] is True and shown["links"], "the public fields are still shown"


def test_no_page_of_the_site_shows_the_quoted_text(imported_kb, tmp_path):
    from kb.build import build

    site = build(imported_kb, tmp_path / "site").where
    files = [p for p in sorted(site.rglob("*")) if p.is_file()]
    assert any("qda-" in str(p) for p in files), "the imported items have pages"
    for path in files:
        assert_no_secret(path.read_bytes().decode("utf-8", "replace"), str(path.relative_to(site)))


def test_a_lifted_item_publishes_its_quote_and_only_it(imported_kb, tmp_path):
    from kb.rdf.export import serialize
    from kb.load.loader import load
    from kb.public import public_view
    from kb.site.fmt import esc
    from kb.site.pages import render_site
    import pyoxigraph

    items = sorted((imported_kb / "evidence").glob("qda-*.yaml"))
    lifted = yaml.safe_load(items[0].read_text(encoding="utf-8"))
    _edit(items[0], lambda d: d.update(restricted=False))  # the researcher lifts this one item
    kb = public_view(load(imported_kb)[0])
    quote, eid = lifted["quote"], lifted["id"]
    pages = render_site(kb)
    page = next(text for path, text in pages.items() if path.endswith(f"{eid}.md"))
    assert esc(quote) in page
    triples = list(pyoxigraph.parse(serialize(kb, "nt"), format=pyoxigraph.RdfFormat.N_TRIPLES))
    quoted = {(t.subject.value.rsplit("/", 1)[-1], t.object.value) for t in triples if t.predicate.value.endswith("#quote")
              or t.predicate.value.endswith("/quote")}
    assert quoted == {(eid, quote)}, "only the lifted item's quote is in the RDF"
    others = [yaml.safe_load(p.read_text(encoding="utf-8"))["quote"] for p in items[1:]]
    shown = "\n".join(pages.values())
    assert not [q for q in others if q and q != quote and esc(q) in shown], "a restricted quote was published"


def test_the_marker_check_can_fail():
    with pytest.raises(AssertionError):
        assert_no_secret(f"<p>{SECRETS[0]}</p>", "a page")


# --- re-import ----------------------------------------------------------------------------------


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _by_quote(root: Path, start: str) -> dict:
    """The imported item whose quote starts with ``start``."""
    (item,) = [i for i in imported(root).values() if i.get("quote", "").startswith(start)]
    return item


def test_reimport_applies_changes_and_keeps_hand_edits(kb_root):
    import_ok(kb_root, V1)
    imported_v1 = set(imported(kb_root))
    trusted = _by_quote(kb_root, "Deltaker: Jeg kjente")
    slow = _by_quote(kb_root, "Deltaker: Men det tok")

    def edit_trusted(d):
        d["title"] = "Trust from earlier contact (edited by hand)"
        d["links"][0].update(strength="strong", note="Says so in so many words.")
        d["links"].append({"hypothesis": "H08", "stance": "qualifies", "strength": "weak", "by": "Researcher C"})
        d["appraisal"] = {"level": "minor", "note": "Short interview."}
        d["restricted"] = False  # the researcher lifts this one item's restriction

    _edit(trusted["_path"], edit_trusted)
    _edit(slow["_path"], lambda d: d.update(summary="My own summary of the slow case."))
    out = import_ok(kb_root, V2)
    after = imported(kb_root)

    kept = after[trusted["origin"]["segment"]]
    assert kept["title"] == "Trust from earlier contact (edited by hand)"
    assert kept["links"][0] == {"hypothesis": "H01", "stance": "supports", "strength": "strong", "by": "Coder A",
                                "note": "Says so in so many words."}
    assert kept["links"][2]["by"] == "Researcher C" and kept["appraisal"]["level"] == "minor"
    assert kept["restricted"] is False

    changed = after[slow["origin"]["segment"]]
    assert changed["summary"] == "My own summary of the slow case.", "hand edit kept"
    assert [(link["hypothesis"], link["by"]) for link in changed["links"]] == [
        ("H09", "Coder A"), ("H09", "Coder B"), ("H01", "Coder B")], "Coder B's new code applied"
    assert f"conflict  {changed['id']}: summary was edited in kb and changed in the QDA tool" in out

    v2 = {s["guid"] for s in segments(V2)}
    withdrawn = [s for s in segments(V1) if s["guid"] not in v2]
    assert len(withdrawn) == 1 and withdrawn[0]["guid"] not in after, "an untouched withdrawn item is removed"
    assert re.search(r"withdrawn qda-\w+: segment gone from the export", out)
    # new in round 2: field-note line 1, and workshop line 3 whose only code in v1 was an ignored one
    new_items = {s["guid"] for s in segments(V2) if s["guid"] not in imported_v1}
    assert len(new_items) == 2 and new_items <= set(after), "the segments coded in round 2 are added"
    assert "2 added, 1 changed, 1 withdrawn were imported; 1 conflict(s)" in out
    result = run("check", cwd=kb_root)
    assert result.exit_code == 0, result.output

    again = import_ok(kb_root, V2)
    assert "0 added, 0 changed, 0 withdrawn were imported; 0 conflict(s)" in again
    assert imported(kb_root).keys() == after.keys()


def test_a_withdrawn_segment_edited_by_hand_is_kept_and_reported(kb_root):
    import_ok(kb_root, V1)
    gone = _by_quote(kb_root, "Deltaker: Naboen min")
    _edit(gone["_path"], lambda d: d["links"][0].update(note="Important: keep."))
    out = import_ok(kb_root, V2)
    assert gone["_path"].exists()
    assert f"conflict  {gone['id']}: withdrawn in the QDA tool but edited in kb (links)" in out


def test_a_withdrawn_coding_keeps_a_link_edited_by_hand(kb_root, tmp_path):
    # v1 -> a v2 in which Coder B's coding of the trust segment is gone (made from v2 itself)
    import_ok(kb_root, V1)
    trusted = _by_quote(kb_root, "Deltaker: Jeg kjente")
    _edit(trusted["_path"], lambda d: d["links"][1].update(note="B's reading."))
    with zipfile.ZipFile(V1) as z:
        members = {n: z.read(n) for n in z.namelist()}
    qde = members["project.qde"].decode("utf-8")
    coding_b = next(c["guid"] for c in trusted["origin"]["codings"] if c["coder"] == "Coder B")
    qde = re.sub(rf'<Coding guid="{coding_b}".*?</Coding>', "", qde, flags=re.S)
    changed = tmp_path / "changed.qdpx"
    with zipfile.ZipFile(changed, "w") as z:
        for name, raw in members.items():
            z.writestr(name, qde if name == "project.qde" else raw)
    out = import_ok(kb_root, changed)
    links = imported(kb_root)[trusted["origin"]["segment"]]["links"]
    assert [link.get("note") for link in links] == [None, "B's reading."]
    assert (f"conflict  {trusted['id']}: link from coding {coding_b} (tillit): edited or removed in kb,"
            " withdrawn in the QDA tool") in out


def test_a_changed_mapping_updates_only_untouched_judgements(kb_root):
    import_ok(kb_root, V1)
    trusted = _by_quote(kb_root, "Deltaker: Jeg kjente")
    _edit(trusted["_path"], lambda d: d["links"][1].update(scope=["stad"]))
    path = kb_root / "imports" / "qdpx-mapping.yaml"
    path.write_text(path.read_text("utf-8").replace(
        "tillit: {hypothesis: H01, stance: supports, strength: moderate", "tillit: {hypothesis: H01, stance: supports,"
        " strength: weak"), "utf-8")
    out = import_ok(kb_root, V1)
    links = imported(kb_root)[trusted["origin"]["segment"]]["links"]
    assert [(link["by"], link["strength"]) for link in links] == [("Coder A", "weak"), ("Coder B", "moderate")]
    assert links[1]["scope"] == ["stad"]
    assert f"conflict  {trusted['id']}: link from coding" in out and "changed in the QDA tool" in out


def test_a_new_coding_never_doubles_a_researchers_judgement(kb_root):
    import_ok(kb_root, V1)
    slow = _by_quote(kb_root, "Deltaker: Men det tok")
    # Coder B judged H01 here by hand; round 2 codes the same segment 'tillit' (H01) for Coder B
    _edit(slow["_path"], lambda d: d["links"].append(
        {"hypothesis": "H01", "stance": "qualifies", "strength": "weak", "by": "Coder B"}))
    out = import_ok(kb_root, V2)
    links = imported(kb_root)[slow["origin"]["segment"]]["links"]
    assert [(link["hypothesis"], link["by"], link["stance"]) for link in links] == [
        ("H09", "Coder A", "supports"), ("H09", "Coder B", "supports"), ("H01", "Coder B", "qualifies")]
    assert f"conflict  {slow['id']}: kept kb's link to H01 by Coder B" in out
    assert run("check", cwd=kb_root).exit_code == 0


def test_dry_run_changes_nothing(kb_root):
    before = tree(kb_root)
    out = import_ok(kb_root, V1, "--dry-run")
    assert "9 added, 0 changed, 0 withdrawn would be imported" in out and "dry run: nothing written" in out
    assert tree(kb_root) == before
    import_ok(kb_root, V1)
    before = tree(kb_root)
    out = import_ok(kb_root, V2, "--dry-run", "--format", "json")
    report = json.loads(out)
    assert sorted(c["action"] for c in report["changes"]) == ["added", "added", "changed", "withdrawn"]
    assert tree(kb_root) == before


# --- the mapping file ------------------------------------------------------------------------


def test_the_draft_suggests_constructs_and_hypotheses(kb_root):
    (kb_root / "imports" / "qdpx-mapping.yaml").unlink()
    out = import_ok(kb_root, V1, "--draft-mapping")
    assert "wrote a draft mapping to imports/qdpx-mapping.yaml" in out
    draft = (kb_root / "imports" / "qdpx-mapping.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(draft)
    assert data["codes"]["tillit"]["construct"] == "trust"
    assert data["codes"]["dialog"]["construct"] == "face-to-face-dialogue"
    assert "# hypothesis: H01" in draft and "# hypothesis: H08" in draft
    assert data["documents"]["intervju-stad-01.txt"]["kind"] == "interview"
    assert data["documents"]["feltnotat-nf-trygg-oppvekst.txt"]["kind"] == "field_observation"
    assert data["documents"]["verksted-stad-ws1.txt"]["kind"] == "workshop_record"
    assert not list((kb_root / "evidence").glob("qda-*"))
    # the draft as it stands lacks the dates: a clear message, nothing written
    result = run("import", "qdpx", V1, cwd=kb_root)
    assert result.exit_code == 1, result.output
    assert "no date for document 'intervju-stad-01.txt'" in result.output
    assert not list((kb_root / "evidence").glob("qda-*"))
    again = import_ok(kb_root, V1, "--draft-mapping")
    assert "maps every code and document" in again


def test_a_code_missing_from_the_mapping_stops_the_import(kb_root):
    path = kb_root / "imports" / "qdpx-mapping.yaml"
    path.write_text(path.read_text("utf-8").replace("  dialog:", "  dialogue:"), encoding="utf-8")
    before = tree(kb_root)
    result = run("import", "qdpx", V1, cwd=kb_root)
    assert result.exit_code == 1, result.output
    assert "1 code(s) used in the project are not in the mapping file: 'dialog'" in result.output
    assert tree(kb_root) == before
    printed = import_ok(kb_root, V1, "--draft-mapping")
    assert '"dialog":' in printed and '"tillit":' not in printed


def test_mistakes_in_the_mapping_file_are_listed_with_lines(kb_root):
    path = kb_root / "imports" / "qdpx-mapping.yaml"
    text = path.read_text("utf-8").replace("hypothesis: H01,", "hypothesis: H01x,").replace(
        "stance: supports, strength: strong", "stance: suport, strength: strong")
    path.write_text(text, encoding="utf-8")
    result = run("import", "qdpx", V1, cwd=kb_root)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert re.search(r"imports/qdpx-mapping.yaml:\d+:\d+: codes.risikoaversjon.stance", result.output)
    path.write_text(text.replace("stance: suport", "stance: supports"), encoding="utf-8")
    result = run("import", "qdpx", V1, cwd=kb_root)
    assert result.exit_code == 1, result.output
    assert re.search(r"qdpx-mapping.yaml:5:\d+: code 'tillit': unknown hypothesis 'H01x' \(did you mean 'H01'\?\)",
                     result.output), result.output


def test_without_a_mapping_file_the_command_cannot_run(kb_root):
    (kb_root / "imports" / "qdpx-mapping.yaml").unlink()
    result = run("import", "qdpx", V1, cwd=kb_root)
    assert result.exit_code == 2, result.output
    assert "--draft-mapping" in result.output


def test_a_codebook_alone_drafts_the_mapping(kb_root, tmp_path):
    with zipfile.ZipFile(V1) as z:
        qde = z.read("project.qde").decode("utf-8")
    codes = re.search(r"<Codes>.*</Codes>", qde, flags=re.S).group(0)
    qdc = tmp_path / "arenas.qdc"
    qdc.write_text(f'<?xml version="1.0" encoding="utf-8"?>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0">{codes}'
                   "</CodeBook>\n", encoding="utf-8")
    (kb_root / "imports" / "qdpx-mapping.yaml").unlink()
    result = run("import", "qdc", qdc, cwd=kb_root)
    assert result.exit_code == 0, result.output
    data = yaml.safe_load((kb_root / "imports" / "qdpx-mapping.yaml").read_text("utf-8"))
    assert "documents" not in data, "a codebook has no documents"
    assert set(data["codes"]) == {"deltakelse-skjev", "dialog", "identitet", "politisk-forankring",
                                  "risikoaversjon", "smaa-gevinster", "tillit"}
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook><Codes>", encoding="utf-8")
    result = run("import", "qdc", bad, cwd=kb_root)
    assert result.exit_code == 1 and "not well-formed XML" in result.output, result.output


# --- malformed input ----------------------------------------------------------------------------


def _zip(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, raw in members.items():
            z.writestr(name, raw)
    return path


def _v1_members() -> dict[str, bytes]:
    with zipfile.ZipFile(V1) as z:
        return {n: z.read(n) for n in z.namelist()}


def _without_source(members: dict) -> dict:
    first = next(n for n in members if n.startswith("sources/"))
    return {n: raw for n, raw in members.items() if n != first}


MALFORMED = {
    "not a zip": (lambda m: None, "not a zip archive"),
    "no project file": (lambda m: {n: r for n, r in m.items() if n != "project.qde"}, "found none"),
    "not well-formed": (lambda m: {**m, "project.qde": m["project.qde"][:300]}, "not well-formed XML"),
    "wrong root": (lambda m: {**m, "project.qde": b"<Codebook xmlns='urn:x'/>"}, "not a REFI-QDA project"),
    "wrong value": (lambda m: {**m, "project.qde": m["project.qde"].replace(b'startPosition="155"', b'startPosition="x"', 1)},
                    "Failed to convert value"),
    "missing source file": (_without_source, "which is missing"),
    "unknown code": (lambda m: {**m, "project.qde": m["project.qde"].replace(b'CodeRef targetGUID="6', b'CodeRef targetGUID="f')},
                     "which the codebook does not have"),
    "path with ..": (lambda m: {**m, "../outside.txt": b"x"}, "a path outside the project: refused"),
    "absolute path": (lambda m: {**m, "/tmp/outside.txt": b"x"}, "a path outside the project: refused"),
    "entities": (lambda m: {**m, "project.qde": b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaa">]>'
                            + m["project.qde"]}, "declares a DTD or entities"),
    "zip bomb": (lambda m: {**m, "sources/zeros.txt": b"0" * (30 * 1024 * 1024)}, "possible zip bomb"),
    "segment outside its document": (
        lambda m: {**m, "project.qde": m["project.qde"].replace(b'endPosition="504"', b'endPosition="99999"')},
        "outside the document"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_qdpx_is_refused_cleanly(kb_root, tmp_path, case):
    make, expected = MALFORMED[case]
    members = make(_v1_members())
    target = tmp_path / "broken.qdpx"
    if members is None:
        target.write_text("a text file with a .qdpx name\n", encoding="utf-8")
    else:
        _zip(target, members)
    before = tree(kb_root)
    result = run("import", "qdpx", target, cwd=kb_root)
    assert result.exit_code == 1, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert result.output.startswith("kb: "), result.output
    assert tree(kb_root) == before, "nothing written"


def test_the_malformed_cases_are_all_run():
    assert len(MALFORMED) == 12


def test_a_missing_file_is_a_usage_error(kb_root):
    result = run("import", "qdpx", "no-such-export.qdpx", cwd=kb_root)
    assert result.exit_code == 2, result.output
    assert "no-such-export.qdpx is not a file" in result.output
