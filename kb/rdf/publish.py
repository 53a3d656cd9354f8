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
The total limit holds for the whole publish, redirects included.

A redirect (301, 302, 307, 308) is followed with the same PUT, at most
:data:`MAX_REDIRECTS` times, and only within the same scheme, host and port:
elsewhere the graph and the credentials would go to a place the user did not
name, so kb stops and names it. A store that refuses the graph from a path
that is not a Graph Store endpoint (the server root, ``/query``, ``/update``)
gets a hint naming the endpoint (for Oxigraph, known by its ``Server``
header, ``/store`` on the same server).
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import threading
import time
import typing
import urllib.parse

from kb.errors import StoreError, printable

#: Seconds to connect to the store, and for the whole request (sending, waiting, reading).
CONNECT_TIMEOUT = 10.0
TOTAL_TIMEOUT = 300.0
#: The most of an error answer kept for the message.
_DETAIL = 300
#: Redirects followed (within one host) before kb gives up.
MAX_REDIRECTS = 5
_REDIRECTS = (301, 302, 307, 308)
#: Answers a server gives to a PUT on a path that does not take one.
_NOT_HERE = (400, 404, 405, 501)
#: The last part of the paths that are query, update or service-description endpoints, not Graph Store ones.
_NOT_GSP = ("", "query", "update", "sparql")


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
    url = first = graph_url(store_url, graph_iri)
    body = ntriples.encode("utf-8")
    headers = {"Content-Type": "application/n-triples", "Content-Length": str(len(body)), **_auth_header()}
    deadline = time.monotonic() + total_timeout
    for _ in range(MAX_REDIRECTS + 1):
        answer = _put(url, body, headers, connect_timeout, deadline, total_timeout, shown(store_url))
        if answer.status not in _REDIRECTS:
            break
        url = _redirected(url, answer, graph_iri, store_url)
    else:
        raise StoreError(f"the store at {shown(store_url)} redirected more than {MAX_REDIRECTS} times; "
                         "give --store the URL it ends at")
    if not 200 <= answer.status < 300:
        text = answer.detail[:_DETAIL].decode("utf-8", "replace").strip()
        hint = _hint(url, answer)
        where = shown(store_url) + (f" (redirected to {shown(url)})" if url != first else "")
        raise StoreError(f"the store at {where} refused the graph: HTTP {answer.status} {answer.reason}"
                         + (f": {text}" if text else "") + (f"; {hint}" if hint else ""))
    return sum(1 for line in ntriples.splitlines() if line.strip())


class _Answer(typing.NamedTuple):
    status: int
    reason: str
    detail: bytes  # the start of the body of an answer that is not a success
    location: str | None  # a redirect's Location header
    server: str  # the Server header, '' when none


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default


def _redirected(url: str, answer: _Answer, graph_iri: str, store_url: str) -> str:
    """Where a redirect sends the PUT, if that is on the same scheme, host and port; StoreError otherwise."""
    if not answer.location:
        raise StoreError(f"the store at {shown(url)} answered HTTP {answer.status} {answer.reason} "
                         "without saying where to (no Location header)")
    try:
        target = urllib.parse.urljoin(url, answer.location.strip())
        same = _origin(target) == _origin(url)
    except ValueError:
        raise StoreError(f"the store at {shown(url)} redirects to an unusable URL "
                         f"{printable(answer.location)!r}") from None
    if not same:
        raise StoreError(f"the store at {shown(store_url)} redirects to {shown(target)}, on another host, "
                         "scheme or port; kb follows redirects only within one server, so that the graph and "
                         "credentials go nowhere you did not name: give --store that URL if you trust it")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)
    if "graph" not in query:  # a PUT without ?graph= would replace the store's default graph instead
        target = graph_url(target, graph_iri)
    return target


def _hint(url: str, answer: _Answer) -> str:
    """What to try when the URL does not look like a Graph Store endpoint ('' when nothing useful is known)."""
    if answer.status not in _NOT_HERE and not (answer.status == 403 and "oxigraph" in answer.server.lower()):
        return ""
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    last = path.rsplit("/", 1)[-1].lower()
    # beside the wrong path, so that a server behind a proxy's prefix (/kb/query) keeps it (/kb/store)
    beside = urllib.parse.urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], path.rsplit("/", 1)[0], "", ""))
    if "oxigraph" in answer.server.lower():
        if last == "store":
            return ("this Oxigraph server takes no writes (was it started with 'oxigraph serve-read-only'?); "
                    "publish to the read-write one")
        what = {"": "root", "query": "query endpoint", "update": "update endpoint"}.get(last, f"path {path}")
        return f"this is Oxigraph's {what}, not its Graph Store endpoint: use --store {beside}/store"
    if last in _NOT_GSP:
        what = "the server's root" if not path else f"{path} looks like a SPARQL query or update endpoint and"
        return (f"{what} is not a Graph Store endpoint; give the store's Graph Store HTTP Protocol endpoint, "
                f"such as {beside}/store (Oxigraph) or {beside}/DATASET/data (Fuseki)")
    return "is this the store's Graph Store HTTP Protocol endpoint? (Oxigraph's is /store)"


def _put(url: str, body: bytes, headers: dict[str, str], connect_timeout: float, deadline: float,
         total_timeout: float, where: str) -> _Answer:
    """One PUT within both limits (``deadline`` on the monotonic clock ends the whole publish)."""
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
    left = deadline - time.monotonic()
    if left <= 0:
        raise StoreError(f"the store at {where} did not answer within {total_timeout:g} s; stopped")
    watchdog = threading.Timer(left, stop)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.connect()
        connected = True
        conn.sock.settimeout(left)  # a large graph may take the store long; the watchdog bounds the whole
        conn.request("PUT", target, body=body, headers=headers)
        response = conn.getresponse()
        status, reason = response.status, response.reason
        answer = _Answer(status, reason, response.read(_DETAIL) if not 200 <= status < 300 else b"",
                         response.getheader("Location"), response.getheader("Server") or "")
        while not expired.is_set() and response.read(1 << 16):
            pass  # read the rest, so the store sees the exchange complete
        if expired.is_set():
            raise OSError("stopped")
        return answer
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or time.monotonic() >= deadline:
            raise StoreError(f"the store at {where} did not answer within {total_timeout:g} s; stopped") from None
        if isinstance(exc, (socket.timeout, TimeoutError)) and not connected:
            raise StoreError(f"cannot connect to the store at {where} within {connect_timeout:g} s") from None
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise StoreError(f"cannot reach the store at {where}: {reason}") from None
    finally:
        watchdog.cancel()
        conn.close()
