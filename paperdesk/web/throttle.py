"""Slowing password guessing: failed logins per user name and per client address, with a growing wait.

Every login attempt counts as a failure the moment it starts (so sixteen guesses
sent at once are sixteen, not one) and a correct password takes its own back.
After ``FREE_FAILURES_PER_NAME`` failures on one name, or
``FREE_FAILURES_PER_ADDRESS`` from one address, the next attempt must wait
``BASE_DELAY_S`` seconds, doubling with each further failure up to
``MAX_DELAY_S``; an attempt during the wait is answered 429 without looking at
the password. Counts are forgotten ``FORGET_AFTER_S`` after the last failure.

Kept in memory: one ``paperdesk serve`` process, as the review screen runs.
A restart forgets the counts (an attacker cannot restart the server).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES_PER_NAME = 5
"""Typos: a clerk gets five tries at their own password before any wait."""
FREE_FAILURES_PER_ADDRESS = 20
"""One office behind one NAT address: several clerks' typos before the address has to wait."""
BASE_DELAY_S = 1.0
"""The first wait; it doubles with each failure after the free ones."""
MAX_DELAY_S = 15 * 60.0
"""The longest wait: at worst a few guesses an hour per name; a clerk locked out asks again after a coffee."""
FORGET_AFTER_S = 24 * 3600.0
"""A day without a failure and the name or address starts afresh."""
MAX_TRACKED = 10_000
"""Names and addresses tracked at most; beyond that the oldest are forgotten (memory stays bounded)."""


@dataclass
class _Failures:
    count: int
    last: float


class LoginThrottle:
    """Per-name and per-address failure counts with the wait they impose; thread-safe."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._names: dict[str, _Failures] = {}
        self._addresses: dict[str, _Failures] = {}

    def begin(self, name: str, address: str) -> float:
        """Start an attempt: 0 when it may go on (it is counted as a failure until :meth:`succeeded`),
        else the seconds left to wait (nothing is counted)."""
        key = _name_key(name)
        with self._lock:
            now = self.clock()
            wait = max(_wait(self._names, key, FREE_FAILURES_PER_NAME, now),
                       _wait(self._addresses, address, FREE_FAILURES_PER_ADDRESS, now))
            if wait > 0:
                return wait
            _count(self._names, key, now)
            _count(self._addresses, address, now)
            return 0.0

    def succeeded(self, name: str, address: str) -> None:
        """The attempt begun with :meth:`begin` was right: the name starts afresh, the address gets it back."""
        with self._lock:
            self._names.pop(_name_key(name), None)
            found = self._addresses.get(address)
            if found is not None:
                found.count = max(found.count - 1, 0)

    def failures(self, name: str) -> int:
        with self._lock:
            found = self._names.get(_name_key(name))
            return found.count if found is not None else 0


def delay_after(failures: int, free: int) -> float:
    """Seconds to wait after this many failures."""
    if failures < free:
        return 0.0
    return float(min(BASE_DELAY_S * 2 ** min(failures - free, 32), MAX_DELAY_S))


def _name_key(name: str) -> str:
    return name.strip().casefold()[:128]


def _wait(table: dict[str, _Failures], key: str, free: int, now: float) -> float:
    found = table.get(key)
    if found is None:
        return 0.0
    if now - found.last > FORGET_AFTER_S:
        del table[key]
        return 0.0
    return max(found.last + delay_after(found.count, free) - now, 0.0)


def _count(table: dict[str, _Failures], key: str, now: float) -> None:
    found = table.get(key)
    if found is None:
        if len(table) >= MAX_TRACKED:
            for old in sorted(table, key=lambda k: table[k].last)[: MAX_TRACKED // 10]:
                del table[old]
        table[key] = _Failures(count=1, last=now)
    else:
        found.count += 1
        found.last = now
