"""Safe HTTP fetching for the producers (httpx): SSRF guard, redirect re-checks, size and time limits.

Every fetch is checked twice:
- before connecting, per hop: `check_url` (pure) allows only http/https URLs with a host, and refuses an
  IP-literal host that is private, loopback, link-local, multicast, reserved or otherwise not global;
- at connect time: `GuardedBackend` (an httpcore network backend) resolves the host name itself, refuses
  the connection if ANY resolved address is forbidden, and connects to the address it checked, so a DNS
  answer cannot change between the check and the connect (rebinding). TLS still verifies the host name.
`settings.fetch_allowed_networks` (CIDRs) lifts the ban for chosen networks, e.g. 127.0.0.0/8 in tests.

Redirects are followed by hand (each Location goes through both checks again). Bodies are streamed and
decompressed here with a bounded inflater (gzip/deflate only), so neither a large nor a compressed-bomb
response can exceed `fetch_max_bytes`; the whole fetch, redirects included, is bounded by `fetch_timeout`.
Environment proxies are ignored (trust_env=False): the guard must see the real destination.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from services.config import FETCH_MAX_BYTES, Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
REDIRECTS = frozenset({301, 302, 303, 307, 308})
GZIP_MAGIC = b"\x1f\x8b"


class FetchError(Exception):
    """A fetch that produced no usable response (network error, bad redirect, decoding)."""


class FetchRefused(FetchError):
    """The URL or the address it resolves to is not allowed (SSRF guard)."""


class FetchTooLarge(FetchError):
    """The response exceeds the size limit; reading stopped at the limit."""


class FetchTimeout(FetchError):
    """The whole fetch took longer than the time limit."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = FETCH_MAX_BYTES
    timeout: float = 30.0
    max_redirects: int = 5
    allowed_networks: tuple[IPNetwork, ...] = ()
    user_agent: str = "newsflow"

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(max_bytes=settings.fetch_max_bytes, timeout=settings.fetch_timeout,
                   max_redirects=settings.fetch_max_redirects, user_agent=settings.fetch_user_agent,
                   allowed_networks=parse_networks(settings.fetch_allowed_networks))


def parse_networks(cidrs: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(c.strip(), strict=False) for c in cidrs if c.strip())


def address_refusal(ip: IPAddress, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why a connection to `ip` is refused, or None when it is allowed. Pure."""
    if any(ip.version == net.version and ip in net for net in allowed):
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_refusal(ip.ipv4_mapped, allowed)  # ::ffff:127.0.0.1 is 127.0.0.1
    for attr in ("is_loopback", "is_link_local", "is_unspecified", "is_multicast", "is_private", "is_reserved"):
        if getattr(ip, attr):
            return f"{attr[3:].replace('_', '-')} address {ip}"
    if not ip.is_global:
        return f"non-global address {ip}"  # e.g. 100.64.0.0/10 carrier-grade NAT
    return None


ALLOW_HINT = ('; to fetch it anyway, allow its network with NEWSFLOW_FETCH_ALLOWED_NETWORKS '
              '(a JSON list of CIDRs, e.g. ["127.0.0.0/8"])')


def check_url(url: str | httpx.URL, allowed: Sequence[IPNetwork] = ()) -> httpx.URL:
    """The URL if it may be fetched (scheme, host, IP literal); raises FetchRefused otherwise. Pure."""
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchRefused(f"invalid URL {str(url)[:200]!r}: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchRefused(f"scheme {parsed.scheme!r} not allowed (only http, https): {str(url)[:200]}")
    host = parsed.host
    if not host:
        raise FetchRefused(f"URL without host: {str(url)[:200]}")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return parsed  # a name: checked on resolution by GuardedBackend
    reason = address_refusal(ip, allowed)
    if reason:
        raise FetchRefused(f"{reason} refused for {str(url)[:200]}{ALLOW_HINT}")
    return parsed


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks every address, then connects to the checked address (no second lookup)."""

    def __init__(self, allowed: Sequence[IPNetwork] = ()) -> None:
        self.allowed = tuple(allowed)
        self._inner = httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise FetchError(f"{host} does not resolve")
        for address in addresses:
            reason = address_refusal(ipaddress.ip_address(address.split("%", 1)[0]), self.allowed)
            if reason:
                raise FetchRefused(f"{host} resolves to a {reason}: refused{ALLOW_HINT}")
        return addresses

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await self.resolve(host, port)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise FetchRefused("unix sockets are not fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on the GuardedBackend."""

    def __init__(self, policy: FetchPolicy) -> None:
        super().__init__(trust_env=False, retries=0)
        # httpx does not take a network backend; the pool is rebuilt with the same SSL context.
        ssl_context = self._pool._ssl_context  # noqa: SLF001
        self._pool = httpcore.AsyncConnectionPool(ssl_context=ssl_context, max_connections=20,
                                                  max_keepalive_connections=10, keepalive_expiry=5.0,
                                                  network_backend=GuardedBackend(policy.allowed_networks))


def operation_timeouts(policy: FetchPolicy) -> tuple[float, float]:
    """(connect, read/write) seconds for one operation; the whole fetch is bounded by policy.timeout."""
    per_op = min(policy.timeout, 20.0)
    return min(per_op, 10.0), per_op


def describe_http_error(exc: httpx.HTTPError, policy: FetchPolicy) -> FetchError:
    """httpx's exception as a FetchError that says what happened (httpx's own text is often empty). Pure."""
    connect, per_op = operation_timeouts(policy)
    if isinstance(exc, httpx.TimeoutException):
        what, limit = {httpx.ConnectTimeout: ("connecting", connect), httpx.ReadTimeout: ("waiting for data", per_op),
                       httpx.WriteTimeout: ("sending the request", per_op),
                       httpx.PoolTimeout: ("waiting for a connection", per_op)}.get(type(exc), ("fetching", per_op))
        return FetchTimeout(f"timed out after {limit:g} s {what}")
    detail = str(exc).strip()
    if isinstance(exc, httpx.ConnectError):
        return FetchError(f"cannot connect: {detail or 'connection refused'}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return FetchError(f"the server broke off the HTTP exchange: {detail or 'no response'}")
    return FetchError(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)


def make_client(policy: FetchPolicy) -> httpx.AsyncClient:
    connect, per_op = operation_timeouts(policy)
    return httpx.AsyncClient(transport=GuardedTransport(policy), follow_redirects=False, trust_env=False,
                             timeout=httpx.Timeout(per_op, connect=connect),
                             headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"})


class BoundedInflater:
    """gzip/deflate decoding that never produces more than `limit` bytes in total."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit, self.produced = limit, 0
        # deflate is zlib-wrapped by the spec, raw by many servers: try wrapped, fall back to raw.
        self._encoding = encoding
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
        self._first = True

    def feed(self, chunk: bytes) -> bytes:
        room = self.limit - self.produced
        try:
            out = self._d.decompress(chunk, room + 1)
        except zlib.error:
            if not (self._first and self._encoding == "deflate"):
                raise
            self._d = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._d.decompress(chunk, room + 1)
        self._first = False
        self.produced += len(out)
        if self.produced > self.limit or self._d.unconsumed_tail:
            raise FetchTooLarge(f"decompressed body exceeds {self.limit} bytes")
        return out

    def flush(self) -> bytes:
        out = self._d.flush(self.limit - self.produced + 1) if not self._d.eof else b""
        self.produced += len(out)
        if self.produced > self.limit:
            raise FetchTooLarge(f"decompressed body exceeds {self.limit} bytes")
        return out


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """A raw .gz document (gzip bytes served as the body itself) decompressed, at most `limit` bytes."""
    inflater = BoundedInflater("gzip", limit)
    return inflater.feed(data) + inflater.flush()


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""
    redirects: tuple[str, ...] = field(default_factory=tuple)


async def _read_body(response: httpx.Response, limit: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and "content-encoding" not in response.headers:
        raise FetchTooLarge(f"Content-Length {declared} exceeds {limit} bytes")
    codings = [c.strip().lower() for c in response.headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
        raise FetchError(f"unsupported Content-Encoding {response.headers.get('content-encoding')!r}")
    inflater = BoundedInflater("deflate" if codings == ["deflate"] else "gzip", limit) if codings else None
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        if inflater is not None:
            chunk = inflater.feed(chunk)
        size += len(chunk)
        if size > limit:
            raise FetchTooLarge(f"body exceeds {limit} bytes")
        parts.append(chunk)
    if inflater is not None:
        parts.append(inflater.flush())
    return b"".join(parts)


async def fetch(client: httpx.AsyncClient, url: str, policy: FetchPolicy,
                headers: Mapping[str, str] | None = None) -> Fetched:
    """GET `url` within the policy. Any status is returned (the caller decides); 3xx are followed."""
    hops: list[str] = []
    try:
        async with asyncio.timeout(policy.timeout):
            current = check_url(url, policy.allowed_networks)
            while True:
                async with client.stream("GET", current, headers=dict(headers or {})) as response:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECTS and location:
                        if len(hops) >= policy.max_redirects:
                            raise FetchError(f"more than {policy.max_redirects} redirects from {url}")
                        hops.append(str(current))
                        current = check_url(current.join(location), policy.allowed_networks)
                        continue
                    body = await _read_body(response, policy.max_bytes) if response.status_code != 304 else b""
                    return Fetched(url=str(current), status=response.status_code,
                                   headers={k.lower(): v for k, v in response.headers.items()}, body=body,
                                   redirects=tuple(hops))
    except TimeoutError:
        raise FetchTimeout(f"timed out after {policy.timeout:g} s (NEWSFLOW_FETCH_TIMEOUT, redirects included)") from None
    except httpx.HTTPError as exc:
        raise describe_http_error(exc, policy) from exc
    except zlib.error as exc:
        raise FetchError(f"bad compressed body: {exc}") from exc
