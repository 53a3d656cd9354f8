"""Publishing to a shared SPARQL store over the Graph Store HTTP Protocol.

Takes N-Triples text and a store's endpoint; replaces one named graph with
an HTTP PUT (SPARQL 1.1 Graph Store HTTP Protocol, section 5.3), which any
compliant store (Oxigraph, Fuseki, GraphDB, Virtuoso...) understands.
PUT replaces the graph as a whole, so publishing twice leaves one copy and
no other graph is touched. Uses only the standard library.

Credentials never travel on the command line (where shell history and
process lists would show them): KB_STORE_TOKEN for a bearer token, or
KB_STORE_USER and KB_STORE_PASSWORD for basic authentication.
"""

from __future__ import annotations

import base64
import os
import urllib.error
import urllib.parse
import urllib.request

from kb.errors import StoreError

TIMEOUT = 60


def _auth_header() -> dict[str, str]:
    token = os.environ.get("KB_STORE_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    user = os.environ.get("KB_STORE_USER")
    if user:
        secret = f"{user}:{os.environ.get('KB_STORE_PASSWORD', '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(secret).decode("ascii")}
    return {}


def graph_url(store_url: str, graph_iri: str) -> str:
    parsed = urllib.parse.urlsplit(store_url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise StoreError(f"{store_url!r} is not an http(s) URL of a Graph Store endpoint")
    sep = "&" if parsed.query else "?"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"


def publish_graph(store_url: str, graph_iri: str, ntriples: str) -> int:
    """Replace ``graph_iri`` in the store with the triples; returns how many were sent."""
    body = ntriples.encode("utf-8")
    request = urllib.request.Request(
        graph_url(store_url, graph_iri),
        data=body,
        method="PUT",
        headers={"Content-Type": "application/n-triples", **_auth_header()},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace").strip()
        raise StoreError(
            f"the store at {store_url} refused the graph: HTTP {exc.code} {exc.reason}"
            + (f": {detail}" if detail else "")
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise StoreError(f"cannot reach the store at {store_url}: {reason}") from None
    return sum(1 for line in ntriples.splitlines() if line.strip())
