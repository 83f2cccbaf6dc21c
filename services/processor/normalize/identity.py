"""Article identity: canonical URL, stable article id, content hash."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "piwik_", "matomo_", "hsa_", "__hs", "_hs", "oly_", "at_", "vero_", "mkt_")
_TRACKING = {"fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "twclid", "ocid", "cmpid", "xtor",
             "ref", "ref_src", "ref_url", "_ga", "_gl", "smid", "sref", "wt_mc", "wt.mc_id", "spm", "share", "ito"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_url(url: str | None) -> str | None:
    """Lowercase scheme/host, no default port, no fragment, no tracking params (rest sorted); None if not http(s)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS or not parts.hostname:
            return None
        host = parts.hostname.lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING
    )
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def _digest(kind: str, *fields: str | None) -> str:
    # A JSON array is a prefix-free encoding: ("ab", "c") and ("a", "bc") never hash alike.
    return f"{kind}-" + hashlib.sha256(orjson.dumps([kind, *fields])).hexdigest()[:32]


def article_id(*, url: str | None, source: str, title: str | None, content_hash: str) -> str:
    """'u-<32 hex>' from the canonical URL; else 't-<32 hex>' from source and title; else 'c-' from the body hash."""
    canon = canonical_url(url)
    if canon:
        return _digest("u", canon)
    if title:
        return _digest("t", source.casefold().strip(), " ".join(title.split()))
    return _digest("c", source.casefold().strip(), content_hash)


def content_hash(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
