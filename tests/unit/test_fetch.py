"""Safe fetching: URL/address checks (pure), bounded decompression, and real fetches from a loopback server."""

from __future__ import annotations

import asyncio
import gzip
import http.server
import ipaddress
import threading
import zlib
from collections.abc import Iterator

import pytest

from services.producer.fetch import (
    BoundedInflater,
    FetchError,
    FetchPolicy,
    FetchRefused,
    FetchTooLarge,
    GuardedBackend,
    address_refusal,
    check_url,
    fetch,
    gunzip_limited,
    make_client,
    parse_networks,
)

LOOPBACK = parse_networks(["127.0.0.0/8"])


@pytest.mark.parametrize("address, refused", [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("10.1.2.3", "private"), ("192.168.0.10", "private"),
    ("172.16.5.4", "private"), ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("100.64.0.1", "non-global"), ("::ffff:10.0.0.1", "private"), ("fd00::1", "private"),
    ("93.184.215.14", None), ("2a00:1450:4001::200e", None),
])
def test_address_refusal(address: str, refused: str | None) -> None:
    reason = address_refusal(ipaddress.ip_address(address))
    assert (reason is None) if refused is None else (reason is not None and reason.startswith(refused))


def test_allowed_networks_lift_the_ban_only_for_themselves() -> None:
    assert address_refusal(ipaddress.ip_address("127.0.0.1"), LOOPBACK) is None
    assert address_refusal(ipaddress.ip_address("::ffff:127.0.0.1"), LOOPBACK) is None
    assert address_refusal(ipaddress.ip_address("10.0.0.1"), LOOPBACK) is not None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://example.org/", "http:///nohost",
                                 "http://127.0.0.1:8080/feed", "http://[::1]/", "http://10.0.0.7/feed",
                                 "https://169.254.169.254/latest/meta-data", "javascript:alert(1)"])
def test_check_url_refuses(url: str) -> None:
    with pytest.raises(FetchRefused):
        check_url(url)


def test_check_url_leaves_names_to_the_resolver() -> None:
    assert check_url("https://www.example.org/rss.xml").host == "www.example.org"
    assert check_url("http://127.0.0.1:9/x", LOOPBACK).port == 9


def test_names_resolving_to_forbidden_addresses_are_refused_at_connect() -> None:
    backend = GuardedBackend(())
    for name in ("localhost", "2130706433", "0x7f000001"):  # the last two are 127.0.0.1 in disguise
        with pytest.raises(FetchRefused):
            asyncio.run(backend.resolve(name, 80))
    assert asyncio.run(GuardedBackend(LOOPBACK).resolve("127.0.0.1", 80)) == ["127.0.0.1"]


def test_bounded_inflater_stops_a_compression_bomb() -> None:
    bomb = zlib.compress(b"\0" * 50_000_000, 9)  # ~50 KB that inflate to 50 MB
    with pytest.raises(FetchTooLarge):
        BoundedInflater("deflate", 1_000_000).feed(bomb)
    with pytest.raises(FetchTooLarge):
        gunzip_limited(gzip.compress(b"\0" * 5_000_000), 100_000)
    assert gunzip_limited(gzip.compress(b"<rss/>"), 100) == b"<rss/>"
    raw = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    assert BoundedInflater("deflate", 100).feed(raw.compress(b"abc") + raw.flush()) == b"abc"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/private":
            self._reply(302, b"", {"Location": "http://10.20.30.40/feed.xml"})
        elif self.path == "/metadata":
            self._reply(301, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
        elif self.path == "/hop":
            self._reply(302, b"", {"Location": "/ok"})
        elif self.path == "/loop":
            self._reply(302, b"", {"Location": "/loop"})
        elif self.path == "/huge":  # no Content-Length: the limit must hold while streaming
            self.send_response(200)
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b"x" * 10_000)
        elif self.path == "/gz":
            self._reply(200, gzip.compress(b"<rss>compressed</rss>"), {"Content-Encoding": "gzip"})
        elif self.path == "/gzbomb":
            self._reply(200, gzip.compress(b"\0" * 20_000_000), {"Content-Encoding": "gzip"})
        else:
            self._reply(200, b"<rss>ok</rss>", {})

    def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _get(url: str, policy: FetchPolicy) -> object:
    async def go() -> object:
        async with make_client(policy) as client:
            return await fetch(client, url, policy)
    return asyncio.run(go())


def test_loopback_is_refused_unless_allowed(server: str) -> None:
    with pytest.raises(FetchRefused):
        _get(server + "/", FetchPolicy())
    assert _get(server + "/", FetchPolicy(allowed_networks=LOOPBACK)).body == b"<rss>ok</rss>"  # type: ignore[attr-defined]


def test_redirects_are_checked_per_hop(server: str) -> None:
    policy = FetchPolicy(allowed_networks=LOOPBACK, max_redirects=3)
    ok = _get(server + "/hop", policy)
    assert ok.url.endswith("/ok") and ok.redirects == (server + "/hop",)  # type: ignore[attr-defined]
    for path in ("/private", "/metadata"):
        with pytest.raises(FetchRefused):
            _get(server + path, policy)
    with pytest.raises(FetchError, match="redirects"):
        _get(server + "/loop", policy)


def test_size_limits_hold_while_streaming_and_decompressing(server: str) -> None:
    policy = FetchPolicy(allowed_networks=LOOPBACK, max_bytes=100_000)
    with pytest.raises(FetchTooLarge):
        _get(server + "/huge", policy)
    with pytest.raises(FetchTooLarge):
        _get(server + "/gzbomb", policy)
    assert _get(server + "/gz", policy).body == b"<rss>compressed</rss>"  # type: ignore[attr-defined]
