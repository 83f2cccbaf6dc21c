"""Feed and fetch failures say what happened: a timeout with its limit, a syntax error with its line, a refused
address with the setting that allows it."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest

from services.producer.feedentries import parse_feed
from services.producer.fetch import FetchPolicy, FetchRefused, FetchTimeout, check_url, fetch, make_client, parse_networks


def test_a_refused_private_address_names_the_setting_that_allows_it() -> None:
    for url in ("http://127.0.0.1:8080/feed", "http://10.0.0.7/feed"):
        with pytest.raises(FetchRefused, match="NEWSFLOW_FETCH_ALLOWED_NETWORKS"):
            check_url(url)


def test_a_syntax_error_is_named_with_its_line() -> None:
    parsed = parse_feed(b"<rss><channel>\n<item><title>x</title>\n<link>oops</item></channel></rss>")
    assert parsed.bozo is not None and parsed.bozo.startswith("XML syntax error at line 3")
    assert "SAXParseException" not in parsed.bozo and "<unknown>" not in parsed.bozo


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers: a read that times out."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_timeout_says_so_with_its_limit(silent_server: int) -> None:
    policy = FetchPolicy(timeout=1.0, allowed_networks=parse_networks(["127.0.0.0/8"]))

    async def go() -> None:
        async with make_client(policy) as client:
            await fetch(client, f"http://127.0.0.1:{silent_server}/feed.xml", policy)

    with pytest.raises(FetchTimeout) as caught:
        asyncio.run(go())
    assert str(caught.value).startswith("timed out after 1 s"), str(caught.value)


def test_connection_refused_says_so() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    policy = FetchPolicy(timeout=5.0, allowed_networks=parse_networks(["127.0.0.0/8"]))

    async def go() -> None:
        async with make_client(policy) as client:
            await fetch(client, f"http://127.0.0.1:{port}/feed.xml", policy)

    with pytest.raises(Exception, match="cannot connect") as caught:
        asyncio.run(go())
    assert not isinstance(caught.value, httpx.HTTPError)
