"""The ``kb`` command: the only module that knows click.

Every command takes the :class:`Workspace` (the KB's root) from the group,
runs the library's stages and turns :class:`~kb.errors.KbError` into a
message and an exit status in one place:

    0  fine (warnings may have been printed)
    1  problems found in the knowledge base (or an unknown id asked for)
    2  could not run: bad usage, no knowledge base, unusable kb.yaml, no git...

Heavy libraries (networkx, rdflib, mkdocs) are imported inside the commands
that need them, so ``kb --help`` and ``kb check`` start fast.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, Callable

import click

from kb import errors
from kb.errors import Diagnostic, KbError
from kb.versions import VERSIONS

EXIT_OK, EXIT_PROBLEMS, EXIT_CANNOT_RUN = 0, 1, 2


@dataclass
class Workspace:
    """Where kb runs: the start directory, and the KB root found from it."""

    start: Path
    _root: Path | None = field(default=None, repr=False)
    #: how the last as-of view was read (a kb.history.asof.AsOf), None without --as-of
    as_of: Any = field(default=None, repr=False)
    #: --quiet: no progress on the terminal
    quiet: bool = False
    #: the survey datasets' aggregates (kb.survey.SurveyResults) made by load_clean; None without datasets
    surveys: Any = field(default=None, repr=False)
    #: what reading the datasets found (kb.survey.analyse's diagnostics), beside ``surveys``
    survey_problems: list = field(default_factory=list, repr=False)
    _progress: Any = field(default=None, repr=False)

    @property
    def progress(self):
        """The run's kb.progress.Progress: stage names and counts on stderr while a terminal watches."""
        if self._progress is None:
            from kb.progress import Progress

            self._progress = Progress.on_stderr(self.quiet)
        return self._progress

    @property
    def root(self) -> Path:
        if self._root is None:
            from kb.load.files import find_root

            self._root = find_root(self.start)
        return self._root

    def load(self, files=None):
        """Load and check the KB: (kb, diagnostics); ``files`` as read by kb.load.files.read_files."""
        from kb.load.check import check
        from kb import gcpolicy
        from kb.load.loader import load

        kb, diags = load(self.root, files=files, on_file=self.progress.counter("files"))
        gcpolicy.loaded()  # the KB lives until the program ends: the collector need not walk it again
        return kb, sorted(set(diags + check(kb)))

    def load_clean(self, as_of: str | None = None, *, note: bool = True):
        """The KB's public view (kb.public), refusing to go on if it has errors (they are printed).

        With ``as_of``, the KB as it stood then (kb.history.asof.framework_as_of),
        kept in ``self.as_of`` with where it was read; ``note`` says so on stderr.
        """
        kb, diags = self.load()
        problems = errors.errors_in(diags)
        if problems:
            self.progress.end_line()
            for d in problems:
                click.echo(d.format(), err=True)
            raise ProblemsFound(f"{len(problems)} error(s) in the knowledge base; run 'kb check'")
        from kb.public import public_view

        # every command but the check sees the public view only: made before the as-of view, so
        # that a judge's pseudonym is the same at every date, and after it (a no-op unless that
        # view was read from elsewhere, such as git)
        kb = public_view(kb)
        if as_of:
            from kb.history.asof import framework_as_of

            self.as_of = framework_as_of(kb, as_of)
            if note:
                self.progress.end_line()
                click.echo(f"kb: {self.as_of.note()}", err=True)
            kb = self.as_of.kb
        kb = public_view(kb)
        if kb.config.datasets:
            from kb.build import with_survey_numbers

            from kb.survey import analyse

            # measurements citing a dataset get its numbers once, here, for every command's output; a
            # response file that is not here (KB709: git-ignored, say) leaves them without (kb check says so)
            self.surveys, self.survey_problems = analyse(self.root, kb)
            kb = with_survey_numbers(kb, self.surveys)
        return kb


ProblemsFound = errors.ProblemsFound  # the KB has errors: exit status 1


pass_workspace = click.make_pass_decorator(Workspace)


def handle_errors(func: Callable) -> Callable:
    """Turn library errors into messages and exit codes, the same for every command."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ProblemsFound as exc:
            for d in exc.diagnostics:
                click.echo(d.format(), err=True)
            click.echo(f"kb: {errors.printable(str(exc))}", err=True)
            sys.exit(EXIT_PROBLEMS)
        except errors.UnknownItem as exc:
            click.echo(f"kb: {errors.printable(str(exc))}", err=True)
            sys.exit(EXIT_PROBLEMS)
        except errors.ConfigError as exc:
            for d in exc.diagnostics:
                click.echo(d.format(), err=True)
            click.echo(f"kb: {errors.printable(str(exc))}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except KbError as exc:
            click.echo(f"kb: {errors.printable(str(exc))}", err=True)
            sys.exit(EXIT_CANNOT_RUN)
        except OSError as exc:
            click.echo(errors.printable(f"kb: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")), err=True)
            sys.exit(EXIT_CANNOT_RUN)

    return wrapper


def as_of_option(func: Callable) -> Callable:
    return click.option(
        "--as-of",
        metavar="DATE|MILESTONE",
        callback=_as_of_value,
        help="Show the framework as it stood on a date (YYYY-MM-DD) or at a milestone.",
    )(func)


def _as_of_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A real date (YYYY-MM-DD) or a milestone of kb.yaml; anything else is a usage error (exit 2)."""
    if value is None:
        return None
    from kb.model import parse_day

    milestones: list[str] | None = None
    ws = ctx.find_object(Workspace)
    try:
        from kb.load.loader import load_config

        milestones = [m.id for m in load_config(ws.root).milestones] if ws else None
    except (KbError, OSError):
        pass  # the command itself reports a missing KB or an unusable kb.yaml
    if milestones is not None and value in milestones:
        return value
    try:
        parse_day(value)
        return value
    except ValueError as exc:
        if value[:1].isdigit() or milestones is None:
            raise click.BadParameter(str(exc)) from None
    hint = errors.did_you_mean(value, milestones)
    raise click.BadParameter(f"{value!r} is neither a date (YYYY-MM-DD) nor a milestone"
                             + (f"; {hint}" if hint else f" (milestones: {', '.join(milestones) or 'none'})"))


def format_option(*choices: str, default: str = "text") -> Callable:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help="Output format.",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    help="Run as if kb was started in DIRECTORY.",
    metavar="DIRECTORY",
)
@click.option("-q", "--quiet", is_flag=True,
              help="Show no progress (it is shown on stderr only while a terminal watches, never in a pipe).")
@click.version_option(version=VERSIONS, message="%(version)s")  # a lazy text: read only for --version
@click.pass_context
def main(ctx: click.Context, directory: Path, quiet: bool) -> None:
    """kb: a git-native knowledge base for developing a theory.

    Hypotheses and evidence live as YAML files in git. kb checks them, builds
    the graph of support and contradiction, says how well each hypothesis
    stands, and publishes it all as RDF and a website.

    kb works on the knowledge base found by walking up from the current
    directory to the nearest kb.yaml, like git.

    Exit status: 0 fine, 1 problems found in the knowledge base, 2 could not run.
    """
    ctx.obj = Workspace(start=directory, quiet=quiet)


# --- check ---------------------------------------------------------------------------


@main.command()
@format_option("text", "json", "github")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1).")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path), metavar="[PATH]...")
@pass_workspace
@handle_errors
def check(ws: Workspace, fmt: str, strict: bool, paths: tuple[Path, ...] = ()) -> None:
    """Check every file of the knowledge base; report all problems at once.

    With PATHs (as the pre-commit hook passes the changed files), checks each
    knowledge base holding one of them instead: the nearest kb.yaml above each.

    Reads kb.yaml, hypotheses/, evidence/ and registry/, validates each file
    against the model and the references across files, and writes nothing
    into the knowledge base. Prints one line per problem (file:line:column:
    severity code field: message) and a one-line summary. Parsed files and
    the last outcome are cached by content outside the KB (KB_CACHE_DIR,
    default ~/.cache/kb; KB_NO_CACHE=1 turns it off): with nothing changed,
    a check only reads and hashes the files.
    """
    if paths:
        sys.exit(_check_each_root([ws.start / p for p in paths], fmt, strict))
    with ws.progress:
        diags, counts = _verdict(ws)
        from kb.history.checks import milestone_tag_warnings  # tags are no file: kept out of the cached verdict

        diags = sorted(set(diags + milestone_tag_warnings(ws.root)))
    problems = errors.errors_in(diags)
    warnings = [d for d in diags if d.severity == "warning"]
    if fmt == "json":
        click.echo(json.dumps({"ok": not problems and not (strict and warnings), "counts": counts,
                               "diagnostics": [d.as_dict() for d in diags]},
                              indent=2, ensure_ascii=False))
    else:
        for d in diags:
            click.echo(d.format_github() if fmt == "github" else d.format(), err=fmt == "text")
        follow_ons = sum(d.follow_on for d in problems)
        verdict = "ok" if not problems else f"{len(problems) - follow_ons} error(s)" + (
            f" and {follow_ons} follow-on(s)" if follow_ons else "")
        extra = f", {len(warnings)} warning(s)" if warnings else ""
        if strict and warnings and not problems:
            # the warnings are printed above: say that they are what fails the check
            verdict, extra = f"{len(warnings)} warning(s), which fail --strict", ""
        click.echo(
            f"{verdict}{extra}: {counts['hypotheses']} hypotheses, {counts['evidence']} evidence items, "
            f"{counts['links']} links, {counts['constructs']} constructs, {counts['contexts']} contexts, "
            f"{counts['sources']} sources"
        )
    if problems or (strict and warnings):
        sys.exit(EXIT_PROBLEMS)


def _check_each_root(paths: list[Path], fmt: str, strict: bool) -> int:
    """``kb check PATH...``: check the KB above each path (relative to -C), once each; the worst exit status."""
    from kb.load.files import find_root

    roots = []
    for path in paths:
        here = path.absolute()
        while not here.exists() and here != here.parent:  # a deleted file: its nearest existing folder
            here = here.parent
        try:
            roots.append(find_root(here if here.is_dir() else here.parent))
        except errors.NoKnowledgeBase:
            continue  # a file in no knowledge base is none of kb's business
    ctx, worst = click.get_current_context(), EXIT_OK
    quiet = ctx.obj.quiet
    for root in sorted(set(roots)):
        if fmt == "text" and len(set(roots)) > 1:
            click.echo(f"kb check {root}:", err=True)
        ctx.obj = Workspace(start=root, quiet=quiet)
        try:
            ctx.invoke(check, fmt=fmt, strict=strict, paths=())
        except SystemExit as exc:
            worst = max(worst, exc.code if isinstance(exc.code, int) else EXIT_CANNOT_RUN)
    return worst


def _verdict(ws: Workspace) -> tuple[list[Diagnostic], dict[str, int]]:
    """The diagnostics and counts of a check: stored ones if no file and no code changed since."""
    from kb.load.cache import Verdict
    from kb.load.files import read_config, read_files

    config = read_config(ws.root)
    ws.progress("read files")
    files, refused = read_files(ws.root)  # files kb may not read: reported afresh every time
    from kb.survey.files import verdict_inputs

    # a survey's response file decides the check as much as an item file does
    verdict = Verdict.for_files(ws.root, config, files + verdict_inputs(ws.root, config))
    stored = verdict.get()
    if stored is not None:
        return sorted(set(stored[0] + refused)), stored[1]
    ws.progress("load and check")
    kb, diags = _checked(ws, files)
    counts = _counts(kb)
    del kb, files
    verdict.put((diags, counts))
    return sorted(set(diags + refused)), counts


def _checked(ws: Workspace, files: Any = None) -> tuple[Any, list[Diagnostic]]:
    """Load, check, and add the evidence-versus-declared-status warnings."""
    kb, diags = ws.load(files)
    if not errors.errors_in(diags):
        from kb.graph.score import status_warnings

        diags = sorted(set(diags + status_warnings(kb)))
    return kb, diags


def _counts(kb: Any) -> dict[str, int]:
    return {
        "hypotheses": len(kb.hypotheses),
        "evidence": len(kb.evidence),
        "links": sum(len(e.links) for e in kb.evidence.values()),
        "constructs": len(kb.constructs),
        "contexts": len(kb.contexts),
        "sources": len(kb.sources),
    }


# --- new, init, schema -----------------------------------------------------------------


@main.command()
@click.argument("kind", type=click.Choice(["hypothesis", "evidence", "source", "construct", "context"]))
@click.option("--title", default="Untitled", help="Title (a source's title, a construct's or context's label).")
@click.option("--id", "item_id", help="Use this id instead of the next free one (for a hypothesis or evidence)"
                                     " or one made from the title.")
@pass_workspace
@handle_errors
def new(ws: Workspace, kind: str, title: str, item_id: str | None) -> None:
    """Write a new hypothesis or evidence file, or a new registry entry, from a template.

    A hypothesis or evidence item gets a file of its own and the next free id
    (H11, E042...). A source, construct or context is appended to the
    registry file that already lists that kind (else registry/sources.yaml,
    constructs.yaml or contexts.yaml), its id made from the title unless
    --id is given; the rest of that file is left as it was, byte for byte.
    Never overwrites anything and refuses an id already taken (exit 1).
    Prints the path of the file written.
    """
    from kb.load.loader import load
    from kb.model import ID_RE
    from kb.scaffold import (REGISTRY_KINDS, append_registry_entry, create_file, evidence_template,
                             hypothesis_template, next_id, registry_entry)

    kb, _ = load(ws.root)
    try:
        title.encode("utf-8")
    except UnicodeEncodeError:
        raise click.BadParameter("the title is not valid text (undecodable bytes); nothing was written",
                                 param_hint="--title") from None
    if kind in REGISTRY_KINDS:
        key, default_file = REGISTRY_KINDS[kind]
        item_id = item_id or _slug_id(title)
        if not ID_RE.fullmatch(item_id):
            raise click.BadParameter(f"{item_id!r} is not a valid id (letters, digits, '-', '_')", param_hint="--id")
        if item_id in kb.where:
            click.echo(f"kb: the id {item_id!r} is already taken ({kb.where[item_id].path}); nothing was written",
                       err=True)
            sys.exit(EXIT_PROBLEMS)
        # a YAML registry file only: a .bib or CSL-JSON registry is the reference manager's export
        listed = [kb.where[i].path for i in getattr(kb, key) if i in kb.where
                  and kb.where[i].path.endswith((".yaml", ".yml"))]
        path = ws.root / (listed[-1] if listed else default_file)
        fields = registry_entry(kind, item_id, title, dt.date.today(), kb.config.languages[0])
        try:
            append_registry_entry(path, key, fields, inside=ws.root)
        except ValueError as exc:
            click.echo(f"kb: {exc}; nothing was written", err=True)
            sys.exit(EXIT_PROBLEMS)
        click.echo(_shown(ws, path))
        return
    folder = "hypotheses" if kind == "hypothesis" else "evidence"
    taken = set(kb.where) | {p.stem for p in (ws.root / folder).rglob("*.y*ml")}
    if item_id is None:
        item_id = next_id("H" if kind == "hypothesis" else "E", taken)
    elif not ID_RE.fullmatch(item_id):
        raise click.BadParameter(f"{item_id!r} is not a valid id (letters, digits, '-', '_')", param_hint="--id")
    elif item_id in taken:
        click.echo(f"kb: the id {item_id!r} is already taken", err=True)
        sys.exit(EXIT_PROBLEMS)
    template = hypothesis_template if kind == "hypothesis" else evidence_template
    path = ws.root / folder / f"{item_id}.yaml"
    try:
        create_file(path, template(item_id, title, dt.date.today(), kb.config.languages[0]), inside=ws.root)
    except FileExistsError:
        click.echo(f"kb: {path} already exists; nothing was written", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(_shown(ws, path))


def _slug_id(title: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:64].strip("-")


def _shown(ws: Workspace, path: Path) -> Path:
    start = ws.start.resolve()
    return path.relative_to(start) if path.is_relative_to(start) else path


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", default="My theory", show_default=True, help="Title of the knowledge base.")
@click.option("--language", default="en", show_default=True, help="Main content language (nb, en...).")
@click.option("--kb-source", "kb_source", metavar="SPEC",
              help="What the CI workflow installs kb from: a released version (0.2.0), a git URL"
                   " (git+https://...@TAG) or a wheel. Default: where this kb was installed from, if known.")
@handle_errors
def init(directory: Path, title: str, language: str, kb_source: str | None) -> None:
    """Create a new, empty knowledge base in DIRECTORY.

    Writes kb.yaml, the hypotheses/, evidence/ and registry/ folders, the
    JSON Schemas for editors, mkdocs.yml (so kb build and mkdocs serve work),
    starter saved queries in queries/, a .gitignore, a pre-commit
    configuration and a GitHub workflow that checks each push and comments
    on each pull request. Refuses to touch a directory that already holds a
    kb.yaml; never overwrites a file.
    """
    from kb.scaffold import create_kb, init_files, installed_source, source_from_spec

    if (directory / "kb.yaml").exists():
        click.echo(f"kb: {directory / 'kb.yaml'} already exists; nothing was written", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    source = source_from_spec(kb_source) if kb_source else installed_source()
    kb_dir = _folder_in_repository(directory)
    files = init_files(title, language, source, kb_dir)
    clashes = [rel for rel in files if (directory / rel).exists()]
    if clashes:
        click.echo(f"kb: would overwrite {', '.join(clashes)}; nothing was written", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    create_kb(directory, files)
    click.echo(f"created a knowledge base in {directory} ({len(files)} files); next: cd {directory} && kb new hypothesis")
    if source.spec:
        click.echo(f"the CI workflow installs kb from {source.spec} ({source.origin})")
    else:
        click.echo(f"kb: set KB_SOURCE in {directory / '.github/workflows/kb.yml'}: {source.origin}", err=True)
    if kb_dir != ".":
        click.echo(f"kb: {directory} is the folder {kb_dir} of a git repository: move .github/ and"
                   " .pre-commit-config.yaml to the repository's top, where GitHub and pre-commit read them"
                   f" (the workflow's KB_DIR is {kb_dir})", err=True)


def _folder_in_repository(directory: Path) -> str:
    """DIRECTORY's path inside the git repository holding it ('.' at its top, or in none)."""
    from kb.history.git import Repo

    here, rest = directory.absolute(), []
    while not here.exists() and here != here.parent:
        rest.insert(0, here.name)
        here = here.parent
    try:
        repo = Repo.of(here)
    except KbError:
        return "."
    return "/".join([repo.prefix] * bool(repo.prefix) + rest) or "."


@main.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to write to (default: schema/ in the KB).")
@pass_workspace
@handle_errors
def schema(ws: Workspace, output: Path | None) -> None:
    """Write JSON Schema files for the YAML files (for editors' YAML language server).

    Templates reference them with a '# yaml-language-server: $schema=...' line,
    so editors validate and complete the files as you type.
    """
    from kb.scaffold import SCHEMA_DIR, write_schemas

    target = output or ws.root / SCHEMA_DIR
    written = write_schemas(target, inside=None if output else ws.root)
    click.echo(f"{len(written)} schema file(s) written to {target}" if written else f"schemas in {target} are up to date")


# --- the evidence graph ----------------------------------------------------------------


def _emit(text: str, output: Path | None) -> None:
    """Data to stdout, or atomically to a file."""
    if output is None:
        click.echo(text, nl=False)
    else:
        from kb.output import write_atomic

        write_atomic(output, text)


def _table(rows: list[dict], columns: list[str], fmt: str) -> str:
    """Rows as an aligned text table, CSV or JSON."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buf.getvalue()
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    if value is None:
        return "-"
    text = str(value)
    return text if len(text) <= 48 else text[:47] + "…"


def context_option(func: Callable) -> Callable:
    return click.option("--context", metavar="CONTEXT",
                        help="Count only evidence that holds in this context (and the contexts inside it).")(func)


@main.command()
@as_of_option
@context_option
@format_option("text", "json", "csv")
@pass_workspace
@handle_errors
def status(ws: Workspace, as_of: str | None, context: str | None, fmt: str) -> None:
    """One row per hypothesis: declared and suggested status, and its standing.

    Belief, disbelief and uncertainty (they sum to 1) and the projected
    probability come from the links, by the model in docs/confidence.md;
    with the number of supporting, contradicting and qualifying links and the
    date of the latest evidence.
    """
    from kb.graph.score import standings

    kb = ws.load_clean(as_of, note=fmt != "json")
    _known_context(kb, context)
    read = ws.as_of.as_dict() if ws.as_of else None
    rows = []
    for hid, st in standings(kb, context).items():
        h = kb.hypotheses[hid]
        rows.append({
            "id": hid, "title": kb.text(h.title), "declared": h.status, "suggested": st.suggested,
            # full precision: JSON and CSV are read by programs, and the opinion sums to 1 only unrounded
            # (the text table rounds in _cell)
            "belief": st.belief, "disbelief": st.disbelief,
            "uncertainty": st.uncertainty, "probability": st.probability,
            "supports": st.count("supports"), "contradicts": st.count("contradicts"),
            "qualifies": st.count("qualifies"),
            "latest": st.latest.isoformat() if st.latest else None, "as_of": read,
        })
    columns = ["id", "title", "declared", "suggested", "belief", "disbelief", "uncertainty",
               "probability", "supports", "contradicts", "qualifies", "latest"]
    click.echo(_table(rows, columns, fmt), nl=False)


def _known_context(kb: Any, context: str | None) -> None:
    """An unknown --context is a usage error (exit 2), like any bad option value."""
    if context is not None and context not in kb.contexts:
        raise click.BadParameter(f"no context {context!r}; " + (errors.did_you_mean(context, kb.contexts) or
                                                               f"contexts: {', '.join(kb.contexts)}"),
                                 param_hint="'--context'")


@main.command()
@click.argument("item_id", metavar="ID")
@click.option("--explain", is_flag=True, help="Show how the standing was computed, link by link.")
@as_of_option
@context_option
@format_option("text", "json")
@pass_workspace
@handle_errors
def show(ws: Workspace, item_id: str, explain: bool, as_of: str | None, context: str | None, fmt: str) -> None:
    """Show one item: a hypothesis, evidence item, construct, context or source.

    A hypothesis comes with its evidence for and against, its lineage and its
    revision log; an evidence item with its links; a construct or a context
    with what touches it.
    """
    from kb.show import describe

    kb = ws.load_clean(as_of, note=fmt != "json")
    _known_context(kb, context)
    try:
        data, lines = describe(kb, item_id, explain=explain, context=context)
    except errors.UnknownItem as exc:
        why = _why_missing(ws, item_id, ws.as_of.date if ws.as_of else None)
        raise (errors.UnknownItem(why) if why else exc) from None
    if fmt == "json":
        data = {**data, "as_of": ws.as_of.as_dict() if ws.as_of else None}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        click.echo("\n".join(lines))


def _why_missing(ws: Workspace, item_id: str, day: dt.date | None) -> str:
    """Why ``kb show`` finds no ``item_id``, when a 'did you mean' would mislead: '' if it never was."""
    if day is not None:
        today = ws.load_clean(note=False)
        h, e = today.hypotheses.get(item_id), today.evidence.get(item_id)
        if h is not None and h.proposed > day:
            return f"{item_id} was proposed on {h.proposed}, after the as-of date {day}; try a later --as-of"
        if e is not None and e.date > day:
            return f"{item_id} is dated {e.date}, after the as-of date {day}; try a later --as-of"
    try:
        from kb.history.git import history

        commits = history(ws.root, item_id, 1)
    except (KbError, OSError):
        return ""  # no git, or no history to read: the plain message stands
    if not commits:
        return ""
    last = commits[0]
    return (f"no item {item_id!r} now: it was withdrawn (its file is gone; last changed in "
            f"{last.sha[:10]} on {last.date}); see 'kb history {item_id}'")


@main.command()
@click.option("--by", type=click.Choice(["context", "phase"]), default="context", show_default=True,
              help="Columns: contexts or project phases.")
@click.option("--level", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="With --by context: the contexts at this level of part_of (0: top-level, 1: their parts...).")
@as_of_option
@format_option("text", "json", "csv")
@pass_workspace
@handle_errors
def gaps(ws: Workspace, by: str, level: int, as_of: str | None, fmt: str) -> None:
    """The evidence gap map: hypotheses x contexts (or phases).

    Each cell shows links for/against/qualifying as '+S -C ~Q'; '.' marks a
    gap, where no evidence exists yet. A link counts where it is placed (its
    scope, else its evidence's context), in the column of the context at
    --level that holds that place; a link placed above the level (at a
    municipality, when the columns are its arenas) is in no column.
    """
    from kb.graph.network import deepest_level, gap_map

    kb = ws.load_clean(as_of)
    if level and by == "phase":
        raise click.UsageError("--level applies to --by context only")
    if level > deepest_level(kb):
        raise click.UsageError(f"no context lies at level {level}; the deepest are at level {deepest_level(kb)}")
    columns, rows = gap_map(kb, by, level)
    if fmt == "json":
        data = {hid: {col: cell.__dict__ for col, cell in cols.items()} for hid, cols in rows.items()}
        head = {"by": by, "level": level} if by == "context" else {"by": by}
        click.echo(json.dumps({**head, "columns": columns, "rows": data}, indent=2, ensure_ascii=False))
        return
    table = []
    for hid, cols in rows.items():
        row: dict[str, Any] = {"id": hid}
        for col, cell in cols.items():
            if fmt == "csv":
                row.update({f"{col}:supports": cell.supports, f"{col}:contradicts": cell.contradicts,
                            f"{col}:qualifies": cell.qualifies})
            else:
                row[col] = "." if not cell.total else f"+{cell.supports} -{cell.contradicts} ~{cell.qualifies}"
        table.append(row)
    if fmt == "csv":
        cols = ["id"] + [f"{c}:{k}" for c in columns for k in ("supports", "contradicts", "qualifies")]
        click.echo(_table(table, cols, "csv"), nl=False)
    else:
        click.echo(_table(table, ["id"] + columns, "text"), nl=False)
        empty = sum(1 for cols in rows.values() for cell in cols.values() if not cell.total)
        click.echo(f"{empty} of {len(rows) * len(columns)} cells have no evidence ('.')")


@main.command()
@as_of_option
@format_option("text", "json", "csv")
@pass_workspace
@handle_errors
def agreement(ws: Workspace, as_of: str | None, fmt: str) -> None:
    """Researchers' agreement: Krippendorff's alpha.

    A unit is an evidence item and a hypothesis judged by two or more
    researchers (a link's 'by', else the evidence's recorders); alpha is given
    for stance (nominal) and strength (ordinal: weak < moderate < strong), per
    hypothesis and overall. Alpha 1 is perfect agreement, 0 no better than
    chance, below 0 worse than chance; '-' where it is undefined, with why.
    """
    from kb.appraise import agreement as agree

    kb = ws.load_clean(as_of)
    result = agree.agreement(kb)
    if fmt == "json":
        click.echo(json.dumps(agree.as_json(result), indent=2, ensure_ascii=False))
        return
    if fmt == "csv":
        click.echo(_table(agree.table_rows(result), list(agree.TABLE_COLUMNS), "csv"), nl=False)
        return
    if not result.overall.units:
        click.echo("No evidence has been judged by two or more researchers: there is no agreement to measure.")
        return

    def three(value: float | None) -> str:  # alpha is read to three places (Krippendorff's habit)
        return "-" if value is None else f"{value:.3f}"

    alphas = [*result.by_hypothesis.items(), ("overall", result.overall)]
    table = [{"id": hid, "units": a.units, "pairs": a.pairs, "alpha stance": three(a.stance),
              "alpha strength": three(a.strength)} for hid, a in alphas]
    click.echo(_table(table, ["id", "units", "pairs", "alpha stance", "alpha strength"], "text"), nl=False)
    notes = [f"  {hid}: {a.note}" for hid, a in alphas if a.note]
    if notes:
        click.echo("undefined ('-'):\n" + "\n".join(notes))
    lines = agree.disagreement_lines(result)
    if lines:
        click.echo(f"\n{len(lines)} disagreement(s) to reconcile (edit the links, or note why they differ):")
        click.echo("\n".join(f"  {line}" for line in lines))
    else:
        click.echo("\nNo disagreements: every unit's judges agree in stance and strength.")


@main.command()
@format_option("text", "csv", "json")
@pass_workspace
@handle_errors
def measure(ws: Workspace, fmt: str) -> None:
    """The survey datasets' statistics, computed from their response files.

    Per dataset x context x round (phase) x construct: respondents counted
    (n), mean, standard deviation and the 95 % confidence interval of the
    mean; per context x construct, the change from the first round to the
    last, with Welch's t-test (p) and Hedges' g. A cell with fewer
    respondents than the dataset's min_cell is left out everywhere, and so is
    a change that would need it. kb.yaml's 'datasets' say which files and
    columns (docs/surveys.md); problems in a file exit 1 with its row and column.
    """
    kb = ws.load_clean()
    if not kb.config.datasets:
        click.echo("kb.yaml lists no survey datasets (docs/surveys.md says how to add one).", err=True)
        return
    from kb.survey import computable
    from kb.survey.table import as_csv, as_json, as_text

    results = computable(ws.surveys, ws.survey_problems)  # read once, by load_clean
    click.echo({"json": as_json, "csv": as_csv, "text": as_text}[fmt](results), nl=False)


@main.command()
@click.option("--format", "fmt", type=click.Choice(["graphml", "json", "dot", "dagitty"]),
              default="graphml", show_default=True, help="graphml/json/dot: the whole graph; dagitty: the framework map.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@as_of_option
@pass_workspace
@handle_errors
def graph(ws: Workspace, fmt: str, output: Path | None, as_of: str | None) -> None:
    """Export the evidence graph (GraphML, node-link JSON, DOT) or the framework map (DAGitty)."""
    import kb.graph.network as graphs
    from kb.graph.score import standings

    kb = ws.load_clean(as_of)
    if fmt == "dagitty":
        _emit(graphs.to_dagitty(kb), output)
        return
    g = graphs.build_graph(kb, standings(kb))
    del kb  # the graph holds what the file needs; at 100,000 items the KB is a gigabyte
    writer = {"graphml": graphs.to_graphml, "json": graphs.to_node_link, "dot": graphs.to_dot}[fmt]
    _emit(writer(g), output)


# --- GRADE-CERQual tables ------------------------------------------------------------


@main.group()
def report() -> None:
    """GRADE-CERQual tables for articles: the Summary of Qualitative Findings and the Evidence Profile.

    One row per hypothesis with an assessment, from its current (last) one;
    hypotheses without one are left out. The computed standing is not in
    them: an assessment is the assessors' judgement, shown as they wrote it.
    """


def _report_options(func: Callable) -> Callable:
    for option in reversed((
        click.option("--format", "fmt", type=click.Choice(["docx", "md", "csv", "latex"]), default="md",
                     show_default=True, help="Word, Markdown, CSV or a LaTeX longtable."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write to FILE instead of stdout (required for docx)."),
        click.option("--language", metavar="LANG",
                     help="One of kb.yaml's languages (default: its first) for the texts and the headings."),
        as_of_option,
    )):
        func = option(func)
    return func


@report.command()
@_report_options
@pass_workspace
@handle_errors
def soqf(ws: Workspace, fmt: str, output: Path | None, language: str | None, as_of: str | None) -> None:
    """The Summary of Qualitative Findings: each finding, its CERQual confidence, why, and its evidence."""
    _report(ws, "soqf", fmt, output, language, as_of)


@report.command()
@_report_options
@pass_workspace
@handle_errors
def profile(ws: Workspace, fmt: str, output: Path | None, language: str | None, as_of: str | None) -> None:
    """The Evidence Profile: each finding's components (level and why), its confidence and its evidence."""
    _report(ws, "profile", fmt, output, language, as_of)


def _report(ws: Workspace, kind: str, fmt: str, output: Path | None, language: str | None, as_of: str | None) -> None:
    if fmt == "docx" and output is None:
        raise click.UsageError("--format docx writes a file: give it with -o FILE")
    kb = ws.load_clean(as_of)
    if language is not None and language not in kb.languages:
        raise click.BadParameter(f"{language!r} is not one of the knowledge base's languages "
                                 f"({', '.join(kb.languages)}; kb.yaml 'languages')", param_hint="'--language'")
    from kb.appraise.tables import TABLES
    from kb.appraise.write import render

    day = ws.as_of.date if as_of else None
    table = TABLES[kind](kb, language, day)
    if not table.rows:
        click.echo("kb: no hypothesis has a GRADE-CERQual assessment"
                   + (f" as of {day}" if day else "") + "; the table has its header only", err=True)
    data = render(table, fmt)
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        from kb.output import write_atomic

        write_atomic(output, data)


# --- RDF and SPARQL ------------------------------------------------------------------


@main.command()
@click.option("--format", "fmt", type=click.Choice(["ttl", "jsonld", "nt"]), default="ttl", show_default=True,
              help="Turtle, JSON-LD or N-Triples.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@as_of_option
@pass_workspace
@handle_errors
def export(ws: Workspace, fmt: str, output: Path | None, as_of: str | None) -> None:
    """Export the knowledge base as RDF (PROV-O, SKOS, DCTERMS, CiTO and kb's vocabulary).

    The same input gives byte-identical output. Computed standings are
    included, marked as derived. Restricted evidence is exported without its
    text.
    """
    from kb.rdf.export import serialize

    with ws.progress as progress:
        progress("load and check")
        kb = ws.load_clean(as_of)
        # a past revision's aggregates would need that revision's response file, which the worktree may not hold
        surveys = ws.surveys if as_of is None else None
        progress(f"export {fmt}")
        text = serialize(kb, fmt, surveys=surveys)
    _emit(text, output)


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "ttl", "nt", "jsonld"]),
              default="table", show_default=True,
              help="SELECT: table, csv, tsv, json or xml (W3C SPARQL 1.1 Query Results); ASK: table, json or xml; "
                   "CONSTRUCT and DESCRIBE: table (Turtle), ttl, nt or jsonld.")
@click.option("--allow-service", is_flag=True, help="Allow federated SERVICE clauses (they contact other addresses).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True, max=86_400), metavar="SECONDS",
              help="Stop the query after this long (default: query_timeout in kb.yaml, else 30).")
@as_of_option
@pass_workspace
@handle_errors
def query(ws: Workspace, query: str, fmt: str, allow_service: bool, timeout: float | None, as_of: str | None) -> None:
    """Run a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE query over the knowledge base.

    QUERY is a query string or the path of a .rq file (such as
    queries/contradicted.rq). The prefixes kbv, cito, dcterms, foaf, prov,
    rdf, rdfs, skos, owl and xsd are predeclared. SPARQL Update is refused,
    and so is a SERVICE clause unless --allow-service is given; so are
    queries longer than 100,000 characters or nested more than 64 deep. A
    query runs in a child process that is stopped at the time limit (exit 2).
    A --format that does not apply to the query's form is a usage error
    (exit 2).
    """
    from kb.rdf.export import load_store_draining
    from kb.rdf.queries import format_problem, format_result, guard_query, query_form, run_query

    text = _query_text(ws, query)
    guard_query(text, allow_service)  # refused before the KB is loaded
    problem = format_problem(query_form(text), fmt)
    if problem:
        raise click.UsageError(problem)
    kb = ws.load_clean(as_of)
    limit = timeout if timeout is not None else kb.config.query_timeout
    store = load_store_draining(kb)  # the KB's evidence leaves it before the store fills
    del kb
    result = run_query(store, text, allow_service, timeout=limit)
    click.echo(format_result(result, fmt), nl=False)


def _query_text(ws: Workspace, query: str) -> str:
    from kb.rdf.queries import MAX_QUERY_CHARS

    if query.endswith(".rq") or query.endswith(".sparql"):
        for base in (Path.cwd(), ws.start, ws.root):
            path = base / query
            if path.is_file():
                with open(path, "rb") as handle:
                    raw = handle.read(MAX_QUERY_CHARS * 4 + 1)  # at most 4 bytes a character
                if len(raw) > MAX_QUERY_CHARS * 4:
                    raise errors.QueryError(f"{query} is longer than {MAX_QUERY_CHARS:,} characters, the limit")
                try:
                    return raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise errors.QueryError(f"{query}: byte 0x{raw[exc.start]:02x} is not valid UTF-8") from None
        raise errors.QueryError(f"no query file {query!r}")
    return query


@main.command()
@click.option("--store", "store_url", required=True, metavar="URL",
              help="Graph Store Protocol endpoint, such as http://127.0.0.1:7878/store.")
@click.option("--graph", "graph_iri", metavar="IRI", help="Named graph to replace (default: the KB's base IRI).")
@pass_workspace
@handle_errors
def publish(ws: Workspace, store_url: str, graph_iri: str | None) -> None:
    """Replace the KB's named graph in a SPARQL store (SPARQL 1.1 Graph Store HTTP Protocol).

    Works with Oxigraph, Apache Jena Fuseki, GraphDB, Virtuoso and others.
    Publishing twice leaves one copy; other graphs are untouched. Credentials
    come from the environment only: KB_STORE_TOKEN (bearer) or KB_STORE_USER
    and KB_STORE_PASSWORD (basic).
    """
    from kb.rdf.publish import publish_graph, shown
    from kb.rdf.export import serialize

    with ws.progress as progress:
        progress("load and check")
        kb = ws.load_clean()
        graph_iri = graph_iri or kb.config.base_iri
        progress("export")
        triples = serialize(kb, "nt")
        del kb
        progress(f"publish to {shown(store_url)}")
        count = publish_graph(store_url, graph_iri, triples)
    click.echo(f"published {count} triples to <{graph_iri}> at {shown(store_url)}")


# --- import from QDA tools ---------------------------------------------------------------


@main.group(name="import")
def import_() -> None:
    """Bring material from other tools into the knowledge base: coded segments (qdpx, qdc), a reference library (bib)."""


def _mapping_option(func: Callable) -> Callable:
    return click.option("--mapping", "mapping_path", type=click.Path(dir_okay=False, path_type=Path),
                        help="The mapping file (default: imports/qdpx-mapping.yaml in the KB).")(func)


@import_.command(name="bib")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the registry file here (a new file; kb never overwrites one) instead of stdout.")
@handle_errors
def import_bib(file: Path, output: Path | None) -> None:
    """Convert a .bib or CSL-JSON library (Zotero, Better BibTeX) into a registry file of kb's own YAML, once.

    For a library that keeps changing, point kb at the export itself instead
    (put it in registry/: see docs/sources.md). Nothing is written when an
    entry cannot be read (exit 1).
    """
    from kb.sources.convert import read_export, registry_yaml

    if not file.name.endswith((".bib", ".json")):
        raise click.BadParameter(f"{file.name!r} is neither a .bib nor a CSL-JSON (.json) file", param_hint="FILE")
    try:
        raw = file.read_bytes()
    except OSError as exc:
        raise click.BadParameter(f"{file} cannot be read: {exc.strerror or exc}", param_hint="FILE") from None
    sources, diags = read_export(str(file), raw)
    problems = errors.errors_in(diags)
    for d in diags:
        click.echo(d.format(), err=True)
    if problems:
        raise ProblemsFound(f"{len(problems)} entr{'y' if len(problems) == 1 else 'ies'} cannot be read; nothing was written")
    text = registry_yaml(sources)
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() or output.is_symlink():
        raise click.BadParameter(f"{output} exists; kb does not overwrite it (choose a new file)", param_hint="-o")
    from kb.output import write_atomic

    write_atomic(output, text)
    click.echo(f"{len(sources)} source(s) written to {output}", err=True)


@import_.command(name="qdpx")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_mapping_option
@click.option("--dry-run", is_flag=True, help="Print what would be added, changed and withdrawn; write nothing.")
@click.option("--draft-mapping", is_flag=True,
              help="Draft the mapping file from the project (or print the entries it lacks) and stop.")
@format_option("text", "json")
@pass_workspace
@handle_errors
def import_qdpx(ws: Workspace, file: Path, mapping_path: Path | None, dry_run: bool, draft_mapping: bool,
                fmt: str) -> None:
    """Import the coded segments of a REFI-QDA project (.qdpx) as evidence.

    Each coded segment becomes a restricted evidence item whose judgements
    come from its codes, through the mapping file; re-importing a newer
    export updates what came from the tool and keeps every edit made in kb.
    Exit status 1 when the file or the mapping cannot be used (nothing is
    written then). See docs/import-qdpx.md.
    """
    from kb.imports.qdpx import read_qdpx

    _import_project(ws, lambda: read_qdpx(_input_file(ws, file)), mapping_path, dry_run, draft_mapping, fmt)


@import_.command(name="qdc")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_mapping_option
@pass_workspace
@handle_errors
def import_qdc(ws: Workspace, file: Path, mapping_path: Path | None) -> None:
    """Draft the mapping file from a REFI-QDA codebook (.qdc) alone.

    Writes the draft when there is no mapping file yet; otherwise prints the
    entries for the codes the mapping file lacks, to add by hand.
    """
    from kb.imports.qdpx import read_qdc

    _import_project(ws, lambda: read_qdc(_input_file(ws, file)), mapping_path, False, True, "text")


def _input_file(ws: Workspace, file: Path) -> Path:
    # relative to -C DIR, as git -C reads it; checked here, since click would look in the cwd
    path = ws.start / file
    if not path.is_file():
        raise click.BadParameter(f"{file} is not a file", param_hint="'FILE'")
    return path


def _import_project(ws: Workspace, read: Callable, mapping_path: Path | None, dry_run: bool, draft: bool,
                    fmt: str) -> None:
    from kb.imports import ImportProblem

    try:
        _import_checked(ws, read, mapping_path, dry_run, draft, fmt)
    except ImportProblem as exc:
        # one problem a line (handle_errors would print them as one, with the line breaks escaped)
        for i, line in enumerate(str(exc).splitlines()):
            click.echo(("kb: " if i == 0 else "  ") + errors.printable(line), err=True)
        sys.exit(EXIT_PROBLEMS)


def _import_checked(ws: Workspace, read: Callable, mapping_path: Path | None, dry_run: bool, draft: bool,
                    fmt: str) -> None:
    with ws.progress as progress:
        progress("read the project")
        project = read()
        progress("load the knowledge base")
        kb, _ = ws.load()  # as written: the merge must see the researcher's own files
        _import_steps(ws, project, kb, mapping_path, dry_run, draft, fmt, progress)


def _import_steps(ws: Workspace, project: Any, kb: Any, mapping_path: Path | None, dry_run: bool, draft: bool,
                  fmt: str, progress: Any) -> None:
    from kb.imports import mapping as qmap
    from kb.imports import merge

    path = ws.start / mapping_path if mapping_path else ws.root / qmap.DEFAULT_PATH
    shown = os.path.relpath(path, ws.start)
    if draft:
        progress.end_line()
        if not path.exists():
            from kb.output import write_atomic

            write_atomic(path, qmap.draft(project, kb))
            click.echo(f"wrote a draft mapping to {shown}: check every entry, then import again")
        else:
            missing = qmap.draft(project, kb, qmap.read_mapping(path, kb, shown))
            click.echo(f"# entries {shown} lacks (add them by hand):\n{missing}" if missing.strip() else
                       f"{shown} maps every code and document of the project", nl=not missing.strip())
        return
    if not path.exists():
        raise KbError(f"no mapping file {shown}: draft one with 'kb import qdpx FILE --draft-mapping'")
    progress("plan the import")
    result = merge.plan(project, qmap.read_mapping(path, kb, shown), kb)
    if not dry_run:
        progress("write the evidence")
        merge.apply(ws.root, result)
    progress.end_line()
    if fmt == "json":
        click.echo(json.dumps({"dry_run": dry_run, "changes": [c.as_dict() for c in result.changes],
                               "conflicts": [c.as_dict() for c in result.conflicts]}, indent=2, ensure_ascii=False))
        return
    verb = "would be" if dry_run else "were"
    for c in result.changes:
        click.echo(errors.printable(f"{c.action:9} {c.id}: {c.what}"))
    for c in result.conflicts:
        click.echo(errors.printable(f"conflict  {c.id}: {c.what}"))
    counts = ", ".join(f"{result.count(a)} {a}" for a in ("added", "changed", "withdrawn"))
    click.echo(f"{counts} {verb} imported; {len(result.conflicts)} conflict(s)"
               + (" (dry run: nothing written)" if dry_run else ""))


# --- history -----------------------------------------------------------------------


@main.command()
@click.argument("rev_a")
@click.argument("rev_b", required=False)
@format_option("text", "markdown", "json")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE instead of stdout.")
@click.option("--fail-on-flip/--no-fail-on-flip", default=None,
              help="Exit 1 when the status the evidence suggests flips for a hypothesis"
                   " (default: review.fail_on_flip in kb.yaml at REV_A).")
@pass_workspace
@handle_errors
def diff(ws: Workspace, rev_a: str, rev_b: str | None, fmt: str, output: Path | None,
         fail_on_flip: bool | None) -> None:
    """What a change does to the theory, between two git revisions.

    REV_A and REV_B are tags, branches or commits; REV_B defaults to the
    working tree. Leads with the hypotheses whose suggested status flips (with
    the standing before and after), then declared status changes, hypotheses
    added and withdrawn, judgements changed on existing evidence (each field
    old -> new), titles and statements (word by word), evidence added and
    removed by context, and changes in standing, constructs and contexts. A
    status or statement changed without a revision entry is flagged.
    --format markdown is the pull-request comment; --format json is described
    in docs/review.md.

    Exit status 1 when a suggested status flips and --fail-on-flip (or
    review.fail_on_flip in kb.yaml) says so, after writing the output; 2
    without git, in a shallow clone missing a revision, or when the KB at a
    revision does not load.
    """
    import kb.history.git as history
    from kb.history.review import WRITERS

    with ws.progress as progress:
        result = history.diff(ws.root, rev_a, rev_b, progress=progress)
    _emit(WRITERS[fmt](result), output)
    if result.flips and (result.fail_on_flip if fail_on_flip is None else fail_on_flip):
        names = ", ".join(f"{c.id} {c.suggested_before} -> {c.suggested_after}" for c in result.flips)
        click.echo(f"kb: the suggested status flips ({names}); failing as asked", err=True)
        sys.exit(EXIT_PROBLEMS)


@main.command("history")
@click.argument("item_id", metavar="[ID]", required=False)
@click.option("-n", "--limit", type=int, help="Look at the last N commits only.")
@format_option("text", "json")
@pass_workspace
@handle_errors
def history_command(ws: Workspace, item_id: str | None, limit: int | None, fmt: str) -> None:
    """The commits that changed the knowledge base (or one item), newest first.

    Each with its date, author, message and a one-line summary of what it
    changed in the framework.
    """
    import kb.history.git as history

    commits = history.history(ws.root, item_id, limit)
    if fmt == "json":
        click.echo(json.dumps([{**c.__dict__, "summary": c.summary} for c in commits], indent=2, ensure_ascii=False))
        return
    if not commits:
        click.echo(f"no commits changed {item_id}" if item_id else "no commits changed the knowledge base")
    for c in commits:
        click.echo(f"{c.sha[:10]} {c.date} {c.author}: {c.message}")
        click.echo(f"    {c.summary}")


# --- the website ---------------------------------------------------------------------


@main.command()
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Directory to build into (default: site/ in the KB).")
@click.option("--strict", is_flag=True,
              help="Fail on any warning: of the checks, a saved question that fails, or MkDocs'.")
@pass_workspace
@handle_errors
def build(ws: Workspace, output: Path | None, strict: bool) -> None:
    """Check the KB, export it and build the website, in one go.

    Runs the pipeline (kb/build.py, docs/architecture.md): load, check
    (stopping on errors), the public view, standings, the RDF (Turtle,
    JSON-LD) and GraphML downloads, git history and the pages, in a child
    process that then ends; the saved questions; MkDocs Material, a child
    process per language. The site is built beside
    the old one and exchanged with it only when complete, so a failed build
    leaves the previous site intact. A KB with two or more languages gets the
    whole site in each: site_language at the root, each other one under
    <lang>/, with a language switch on every page.
    """
    from kb.build import build as run

    target = (output if output is not None else ws.root / "site").resolve()
    with ws.progress as progress:
        built = run(ws.root, target, strict=strict, progress=progress)
    _show_warnings(built)
    click.echo(f"built {target}: {built.hypotheses} hypotheses, {built.evidence} evidence items")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Fail on any warning (of the checks, or a saved question that fails).")
@pass_workspace
@handle_errors
def pages(ws: Workspace, directory: Path, strict: bool) -> None:
    """Write the whole site as a plain docs folder that any site engine can build.

    DIRECTORY gets docs/ (the pages as Markdown with HTML, the stylesheet,
    the downloads, and the KB's own hand-written pages) and a mkdocs.yml that
    builds with MkDocs + Material, ProperDocs or Zensical, with no kb plugin:
    `mkdocs build -f DIRECTORY/mkdocs.yml`. With two or more languages, each
    language but site_language also gets <lang>/docs/ and mkdocs.<lang>.yml,
    to build after the first (it goes into site/<lang>/ and shares the first
    site's downloads). DIRECTORY must be new or empty.
    """
    from kb.build import pages as run

    directory = directory.resolve()
    if directory.is_symlink() or (directory.exists() and any(directory.iterdir())):
        raise click.UsageError(f"{directory} exists and is not empty; kb pages writes only into a new folder")
    directory.mkdir(parents=True, exist_ok=True)
    try:
        with ws.progress as progress:
            built = run(ws.root, directory, strict=strict, progress=progress)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)  # no half-made folder
        raise
    _show_warnings(built)
    click.echo(f"wrote {directory}: {built.hypotheses} hypotheses, {built.evidence} evidence items; "
               f"build it with: mkdocs build -f {directory / 'mkdocs.yml'}")


def _show_warnings(built: Any) -> None:
    for d in built.warnings:
        click.echo(d.format(), err=True)
    for line in built.engine_messages:
        click.echo(line, err=True)


def program() -> None:
    """The ``kb`` program (and ``python -m kb``)."""
    from kb.gcpolicy import for_batch_program

    for_batch_program()  # once, here: library functions leave the collector alone
    main()
