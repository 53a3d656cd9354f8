#!/usr/bin/env python3
"""Make tests/data/qdpx/arenas-v1.qdpx and arenas-v2.qdpx with a real QDA tool.

The tool is the PyPI package qualitative-coding (its command is ``qc``), which
exports REFI-QDA projects. Everything the tool is given here is written in
this file: three illustrative documents (no real person, no project data) and
what each coder codes on which line. Each coder codes through ``qc code``, with
this script standing in as the editor qc opens (qc's own mechanism for custom
editors: a ``code_command`` in settings.yaml); the .qdpx files are qc's own
``qc export`` output, copied unchanged.

v2 is the same project after a second round of coding: one coding withdrawn,
one added, one changed, so the re-import tests see every kind of change.

Run (qualitative-coding kept out of kb's own environment):

    python3 -m venv /tmp/qcvenv && /tmp/qcvenv/bin/pip install qualitative-coding==1.7.8
    /tmp/qcvenv/bin/python tests/data/qdpx/make_fixture.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Illustrative documents from the world of the shipped KB ("Den samskapende kommunen").
DOCUMENTS = {
    "intervju-stad-01.txt": """\
Illustrerende intervju (ikke prosjektdata), deltaker i arenaen for hjemmebasert omsorg i Stad.
Intervjuer: Hvordan opplevde du det første møtet i arenaen?
Deltaker: Jeg kjente de fra hjemmetjenesten fra før, så jeg stolte på at de mente alvor.
Deltaker: Naboen min ble med fordi jeg sa at kommunen faktisk lytter nå.
Deltaker: Men det tok lang tid før noe skjedde, saksbehandlerne ville sjekke alt med jurist først.
Deltaker: Da vi fikk til trygghetsalarmen for hele grenda, ble flere med på neste møte.
""",
    "feltnotat-nf-trygg-oppvekst.txt": """\
Illustrerende feltnotat (ikke prosjektdata) fra arenaen Trygg oppvekst i Nordre Follo.
Rundt bordet satt foreldre, helsesykepleier og to fra ungdomsrådet.
Samtalen ble mer åpen etter at alle hadde sittet ansikt til ansikt en stund.
Ungdommene sa de ikke kjente seg igjen i den nye kommunen ennå.
Rådmannens representant ville ikke love noe før saken var utredet.
""",
    "verksted-stad-ws1.txt": """\
Illustrerende referat (ikke prosjektdata) fra politikerverksted 1 i Stad.
Politikerne drøftet hvor mye de kan overlate til arenaen uten å miste styringen.
Flere sa at de vil ha arenaens forslag inn i budsjettprosessen.
En representant fryktet at bare de mest ressurssterke innbyggerne blir hørt.
""",
}

# coder -> document -> {line number (0-based, as qc counts): "code, code"}
ROUND_1 = {
    "Coder A": {
        "intervju-stad-01.txt": {2: "tillit", 3: "tillit", 4: "risikoaversjon", 5: "smaa-gevinster"},
        "feltnotat-nf-trygg-oppvekst.txt": {2: "dialog", 3: "identitet", 4: "risikoaversjon"},
        "verksted-stad-ws1.txt": {1: "politisk-forankring", 2: "politisk-forankring"},
    },
    "Coder B": {
        "intervju-stad-01.txt": {2: "tillit", 4: "risikoaversjon"},
        "feltnotat-nf-trygg-oppvekst.txt": {2: "dialog, tillit"},
        "verksted-stad-ws1.txt": {2: "politisk-forankring", 3: "deltakelse-skjev"},
    },
}

# The second round: Coder A withdraws the coding of interview line 3 (the segment is gone) and
# codes field-note line 1 afresh (a new segment); Coder B adds a code to interview line 4 (a
# changed segment) and recodes workshop line 3, which had only an ignored code, with a mapped one.
ROUND_2 = json.loads(json.dumps(ROUND_1), object_hook=lambda d: {int(k) if k.isdigit() else k: v for k, v in d.items()})
del ROUND_2["Coder A"]["intervju-stad-01.txt"][3]
ROUND_2["Coder A"]["feltnotat-nf-trygg-oppvekst.txt"][1] = "dialog"
ROUND_2["Coder B"]["verksted-stad-ws1.txt"][3] = "risikoaversjon"
ROUND_2["Coder B"]["intervju-stad-01.txt"][4] = "risikoaversjon, tillit"


def edit(corpus_file: str, codes_file: str) -> None:
    """What qc runs as the coder's editor: write the planned codes for this file."""
    plan = json.loads(os.environ["KB_FIXTURE_PLAN"])
    lines = Path(corpus_file).read_text(encoding="utf-8").splitlines()
    codes = plan.get(Path(corpus_file).name, {})
    Path(codes_file).write_text("\n".join(codes.get(str(i), "") for i in range(len(lines))) + "\n",
                                encoding="utf-8")


def qc(project: Path, *args: str, env: dict | None = None) -> None:
    exe = Path(sys.executable).with_name("qc")
    subprocess.run([str(exe), *args], cwd=project, check=True, env={**os.environ, **(env or {})},
                   stdout=subprocess.DEVNULL)


def code_round(project: Path, plan: dict) -> None:
    for coder, documents in plan.items():
        for name in DOCUMENTS:
            codes = {str(k): v for k, v in documents.get(name, {}).items()}
            qc(project, "code", coder, "--pattern", name, env={"KB_FIXTURE_PLAN": json.dumps({name: codes})})


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "arenas"
        project.mkdir()
        qc(project, "init")
        import yaml  # qualitative-coding depends on PyYAML

        settings = project / "settings.yaml"
        command = f'"{sys.executable}" "{Path(__file__).resolve()}" --edit'
        values = yaml.safe_load(settings.read_text(encoding="utf-8"))
        values["editor"] = "fixture"
        values["editors"] = {"fixture": {"name": "fixture plan",
                                         "code_command": command + ' "{corpus_file_path}" "{codes_file_path}"',
                                         "memo_command": command + ' "{memo_file_path}"'}}
        settings.write_text(yaml.safe_dump(values), encoding="utf-8")
        for name, text in DOCUMENTS.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
            qc(project, "corpus", "import", "--importer", "verbatim", str(Path(tmp) / name))
        code_round(project, ROUND_1)
        qc(project, "export", "out-v1.qdpx")
        shutil.copyfile(project / "out-v1.qdpx", HERE / "arenas-v1.qdpx")
        code_round(project, ROUND_2)
        qc(project, "export", "out-v2.qdpx")
        shutil.copyfile(project / "out-v2.qdpx", HERE / "arenas-v2.qdpx")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--edit"]:
        edit(*sys.argv[2:4])
    else:
        main()
