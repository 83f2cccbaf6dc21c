"""blake2b with an 8-byte digest (no key, no salt), compiled: the story keys' hash inside the compiled lead pass.

Equal to `int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")` for every input (RFC 7693;
tests/unit/test_dedup.py holds them equal), so keys persisted on the state topic keep their values.
"""

from __future__ import annotations

import numpy as np
from numba import njit

IV = np.array([0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
               0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179], dtype=np.uint64)
SIGMA = np.array([
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4], [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13], [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11], [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5], [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0]],
    dtype=np.int64)


@njit(cache=True, nogil=True)
def _rotr(x, n):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    return (x >> np.uint64(n)) | (x << np.uint64(64 - n))


@njit(cache=True, nogil=True)
def _g(v, a, b, c, d, x, y):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    v[a] = v[a] + v[b] + x
    v[d] = _rotr(v[d] ^ v[a], 32)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 24)
    v[a] = v[a] + v[b] + y
    v[d] = _rotr(v[d] ^ v[a], 16)
    v[c] = v[c] + v[d]
    v[b] = _rotr(v[b] ^ v[c], 63)


@njit(cache=True, nogil=True)
def blake2b8(msg, n, iv, sigma):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    """The digest of msg[:n] (uint8) as a little-endian uint64; iv, sigma: IV and SIGMA."""
    h = iv.copy()
    h[0] ^= np.uint64(0x01010008)  # parameter block: digest length 8, no key, fanout 1, depth 1
    m = np.empty(16, dtype=np.uint64)
    v = np.empty(16, dtype=np.uint64)
    off = 0
    while True:
        last = n - off <= 128
        for w in range(16):
            x = np.uint64(0)
            for b in range(8):
                p = off + w * 8 + b
                if p < n:
                    x |= np.uint64(msg[p]) << np.uint64(8 * b)
            m[w] = x
        for i in range(8):
            v[i] = h[i]
            v[i + 8] = iv[i]
        v[12] ^= np.uint64(n if last else off + 128)  # bytes hashed so far (never past 2**64)
        if last:
            v[14] = ~v[14]
        for r in range(12):
            s = sigma[r % 10]
            _g(v, 0, 4, 8, 12, m[s[0]], m[s[1]])
            _g(v, 1, 5, 9, 13, m[s[2]], m[s[3]])
            _g(v, 2, 6, 10, 14, m[s[4]], m[s[5]])
            _g(v, 3, 7, 11, 15, m[s[6]], m[s[7]])
            _g(v, 0, 5, 10, 15, m[s[8]], m[s[9]])
            _g(v, 1, 6, 11, 12, m[s[10]], m[s[11]])
            _g(v, 2, 7, 8, 13, m[s[12]], m[s[13]])
            _g(v, 3, 4, 9, 14, m[s[14]], m[s[15]])
        for i in range(8):
            h[i] ^= v[i] ^ v[i + 8]
        if last:
            return h[0]
        off += 128
