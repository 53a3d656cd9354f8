"""Publishing to a shared SPARQL store over the Graph Store HTTP Protocol.

Takes N-Triples text and a store's endpoint; replaces one named graph with
an HTTP PUT (SPARQL 1.1 Graph Store HTTP Protocol, section 5.3), which any
compliant store (Oxigraph, Fuseki, GraphDB, Virtuoso...) understands.
PUT replaces the graph as a whole, so publishing twice leaves one copy and
no other graph is touched. Uses only the standard library.

Credentials never travel on the command line (where shell history and
process lists would show them): KB_STORE_TOKEN for a bearer token, or
KB_STORE_USER and KB_STORE_PASSWORD for basic authentication. A URL that
holds a user name or password is refused, and no message ever shows that
part of a URL (:func:`shown`).

Every request has a connect limit (:data:`CONNECT_TIMEOUT`) and a total limit
(:data:`TOTAL_TIMEOUT`): a watchdog shuts the socket at the total limit, so a
store that answers one byte at a time cannot keep ``kb publish`` waiting
(a per-read timeout alone never fires while bytes keep trickling in).
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import threading
import time
import urllib.parse

from kb.errors import StoreError

#: Seconds to connect to the store, and for the whole request (sending, waiting, reading).
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 300.0
#: The most of an error answer kept for the message.
_DETAIL = 300


def _auth_header() -> dict[str, str]:
    token = os.environ.get("KB_STORE_TOKEN")
    if token:
        return {"Authorization": f"Bearer {token}"}
    user = os.environ.get("KB_STORE_USER")
    if user:
        secret = f"{user}:{os.environ.get('KB_STORE_PASSWORD', '')}".encode()
        return {"Authorization": "Basic " + base64.b64encode(secret).decode("ascii")}
    return {}


def shown(url: str) -> str:
    """``url`` as it may be printed: without a user name or password (``http://***@host/...``)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(an unparsable URL)"
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))


def graph_url(store_url: str, graph_iri: str) -> str:
    try:
        parsed = urllib.parse.urlsplit(store_url)
        parsed.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise StoreError(f"{shown(store_url)!r} is not an http(s) URL of a Graph Store endpoint") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise StoreError(f"{shown(store_url)!r} is not an http(s) URL of a Graph Store endpoint")
    if "@" in parsed.netloc:
        raise StoreError(f"the store URL {shown(store_url)} holds a user name or password; give them in "
                         "KB_STORE_USER and KB_STORE_PASSWORD (or KB_STORE_TOKEN) instead")
    sep = "&" if parsed.query else "?"
    return f"{store_url}{sep}graph={urllib.parse.quote(graph_iri, safe='')}"


def publish_graph(store_url: str, graph_iri: str, ntriples: str,
                  connect_timeout: float = CONNECT_TIMEOUT, total_timeout: float = TOTAL_TIMEOUT) -> int:
    """Replace ``graph_iri`` in the store with the triples; returns how many were sent."""
    url = graph_url(store_url, graph_iri)
    body = ntriples.encode("utf-8")
    headers = {"Content-Type": "application/n-triples", "Content-Length": str(len(body)), **_auth_header()}
    status, reason, detail = _put(url, body, headers, connect_timeout, total_timeout, shown(store_url))
    if not 200 <= status < 300:
        text = detail[:_DETAIL].decode("utf-8", "replace").strip()
        raise StoreError(f"the store at {shown(store_url)} refused the graph: HTTP {status} {reason}"
                         + (f": {text}" if text else ""))
    return sum(1 for line in ntriples.splitlines() if line.strip())


def _put(url: str, body: bytes, headers: dict[str, str], connect_timeout: float, total_timeout: float,
         where: str) -> tuple[int, str, bytes]:
    """One PUT within both limits: (status, reason, the start of the answer's body)."""
    parts = urllib.parse.urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = kind(parts.hostname, parts.port, timeout=connect_timeout)
    target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    expired = threading.Event()

    def stop() -> None:  # the total limit: unblock whatever the request is waiting for
        expired.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    connected = False
    watchdog = threading.Timer(total_timeout, stop)
    watchdog.daemon = True
    started = time.monotonic()
    watchdog.start()
    try:
        conn.connect()
        connected = True
        conn.sock.settimeout(total_timeout)  # a large graph may take the store long; the watchdog bounds the whole
        conn.request("PUT", target, body=body, headers=headers)
        response = conn.getresponse()
        status, reason = response.status, response.reason
        detail = response.read(_DETAIL) if not 200 <= status < 300 else b""
        while not expired.is_set() and response.read(1 << 16):
            pass  # read the rest, so the store sees the exchange complete
        if expired.is_set():
            raise OSError("stopped")
        return status, reason, detail
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or time.monotonic() - started >= total_timeout:
            raise StoreError(f"the store at {where} did not answer within {total_timeout:g} s; stopped") from None
        if isinstance(exc, (socket.timeout, TimeoutError)) and not connected:
            raise StoreError(f"cannot connect to the store at {where} within {connect_timeout:g} s") from None
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise StoreError(f"cannot reach the store at {where}: {reason}") from None
    finally:
        watchdog.cancel()
        conn.close()
