"""The tagging kernels (kernels.py) ahead of time: loading numba's JIT cache costs ~1 s CPU per
process (numba's import, its typing and target contexts), importing an extension module ~1 ms.

    .venv/bin/python -m services.processor.entities.ner.compiled [--force]   # scripts/install.sh runs it

builds the extension module _kernels from kernels.py unless a current one is there (numba.pycc: a C
compiler and Python's headers; pycc's generic x86-64 target, so any CPU of the kind runs it), stamped
with a digest of kernels.py and the signatures. kernels() returns that module when its stamp is
current, else kernels.py itself (numba compiles it on first use and caches it on disk): the same code
either way, so the same results; an absent or stale build costs load time only.
tests/unit/test_entities.py checks that a build present is current and gives what the JIT gives.
Built, not shipped: it is specific to the platform and the Python version.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
SOURCE = HERE / "kernels.py"
NAME = "_kernels"
# Every kernel a caller uses, with the types callers pass (C-contiguous arrays; Python ints are i8).
SIGNATURES = {
    "tokens": "i8(u4[::1], u1[::1], i8[::1])",
    "pieces": "i8(u4[::1], u1[::1], i8[::1])",
    "both": "i8(u4[::1], u1[::1], i8[::1], i8[::1])",
    "breaks": "i8(u4[::1], u1[::1], i8[::1], i8)",
    "joined": "i8(u4[::1], i8[::1], i8[::1], u4[::1])",
    "fill": "void(f8[:, ::1], f8[:, ::1], i8[::1], i8[::1])",
    "viterbi": "i8[::1](i8[::1], i8[::1], i8[:, ::1], f8[:, :, ::1], f8[:, ::1], f8[::1], f8[:, ::1])",
    "viterbi_hits": "i8(i8[::1], i8[::1], i8[:, ::1], f8[:, :, ::1], f8[:, ::1], f8[::1], f8[:, ::1], i8, i8[::1])",
    "viterbi_runs": "i8(i8[::1], i8[::1], i8[:, ::1], f8[:, :, ::1], f8[:, ::1], f8[::1], f8[:, ::1], i8[::1], b1[::1], i8[::1])",
}


def digest() -> int:
    """The stamp a current build carries: kernels.py and the signatures (a positive int64)."""
    h = hashlib.sha256(SOURCE.read_bytes())
    h.update(repr(sorted(SIGNATURES.items())).encode())
    return int(h.hexdigest()[:15], 16)


def built() -> ModuleType | None:
    """The ahead-of-time module, or None when it was not built (or does not load here)."""
    try:
        from services.processor.entities.ner import _kernels  # type: ignore[attr-defined]
    except ImportError:
        return None
    return _kernels  # type: ignore[no-any-return]


@cache
def kernels() -> ModuleType:
    """The kernels to call: the ahead-of-time build when current, else kernels.py (numba's JIT)."""
    aot = built()
    if aot is not None and aot.stamp() == digest():
        return aot
    if aot is not None:
        log.warning("%s is stale (kernels.py changed): numba compiles the kernels instead; rebuild it with "
                    "`python -m services.processor.entities.ner.compiled`", aot.__file__)
    from services.processor.entities.ner import kernels as jit

    return jit


def build(out_dir: Path = HERE) -> Path:
    """Compile kernels.py's entry points (SIGNATURES) and the stamp into out_dir/_kernels*.so."""
    import warnings

    with warnings.catch_warnings():  # pycc is "pending deprecation" in numba, with no replacement yet
        warnings.simplefilter("ignore")
        from numba.pycc import CC

    from services.processor.entities.ner import kernels as jit

    cc = CC(NAME)
    tmp = Path(tempfile.mkdtemp(prefix="newsflow-kernels-"))
    cc.output_dir = str(tmp)
    for name, sig in SIGNATURES.items():
        cc.export(name, sig)(getattr(jit, name).py_func)
    value = digest()

    def stamp() -> int:
        return value  # a closure constant: compiled in

    cc.export("stamp", "i8()")(stamp)
    try:
        cc.compile()
        # A rename, not a write in place: a process that has the old module mapped keeps it intact.
        target = out_dir / cc.output_file
        os.replace(tmp / cc.output_file, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def main(argv: list[str]) -> int:
    current = built()
    if current is not None and current.stamp() == digest() and "--force" not in argv:
        print(f"{current.__file__} is current")
        return 0
    try:
        path = build()
    except Exception as e:  # no compiler or headers: the JIT path still works
        print(f"could not build the ahead-of-time kernels ({type(e).__name__}: {e}); numba compiles them on first use instead",
              file=sys.stderr)
        return 1
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
