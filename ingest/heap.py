"""Freed page images handed back to the system between the steps of a page.

A page's work images (the render, the deskewed copy, the masks of the grid) are tens of MB each
and freed when their step ends, but glibc keeps the freed pages of its heap: its threshold for
giving large blocks their own mapping rises to the largest block freed (up to 32 MB), after which
a page-sized array comes from the heap and stays resident when freed. A worker's resident memory
then stood 50-100 MB above what it held, and the next step's peak on top of it. ``malloc_trim``
returns every free page of the heap; it costs a millisecond or two, once per step of a page.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable


def _libc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim with
        return None
    return trim


_MALLOC_TRIM = _libc_trim()


def give_back_freed() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim(0)``); nothing elsewhere."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
