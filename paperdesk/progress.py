"""How a batch shows it is alive: a rich bar on a terminal, plain lines otherwise, nothing with -q.

All of it goes to stderr (stdout stays free for pipes). The bar shows pages
done of the total, pages/min and the ETA; the plain lines say the same at most
every ``PLAIN_EVERY_S`` seconds, so a log file of a 500-page batch stays short.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

# A plain progress line at most this often: readable in a log, alive enough for a watcher.
PLAIN_EVERY_S = 10.0
SECONDS_PER_MINUTE = 60.0


class Reporter(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self, pages: int = 1, cached: bool = False) -> None: ...

    def note(self, message: str) -> None: ...

    def stop(self) -> None: ...


def pages_per_minute(done: int, elapsed_s: float) -> float:
    return done / elapsed_s * SECONDS_PER_MINUTE if elapsed_s > 0 else 0.0


class _RateColumn(ProgressColumn):
    """Pages read per minute (pages taken from the store do not count: they cost nothing)."""

    def render(self, task: Task) -> Text:
        read = int(task.fields.get("read", 0))
        elapsed = task.elapsed or 0.0
        return Text(f"{pages_per_minute(read, elapsed):.1f} pages/min", style="progress.data.speed")


class QuietReporter:
    def start(self, total: int) -> None:
        return None

    def advance(self, pages: int = 1, cached: bool = False) -> None:
        return None

    def note(self, message: str) -> None:
        return None

    def stop(self) -> None:
        return None


class PlainReporter:
    """Timestamped lines on a stream that is not a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0
        self.read = 0
        self._t0 = time.monotonic()
        self._last = 0.0

    def _line(self, text: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} paperdesk: {text}", file=self.stream, flush=True)

    def start(self, total: int) -> None:
        self.total = total
        self._t0 = time.monotonic()
        self._line(f"{total} pages to go through")

    def advance(self, pages: int = 1, cached: bool = False) -> None:
        self.done += pages
        if not cached:
            self.read += pages
        now = time.monotonic()
        if now - self._last >= PLAIN_EVERY_S or self.done >= self.total:
            self._last = now
            self._line(self.status(now - self._t0))

    def status(self, elapsed: float) -> str:
        rate = pages_per_minute(self.read, elapsed)
        left = self.total - self.done
        eta = f", ETA {left / rate:.1f} min" if rate > 0 and left > 0 else ""
        return f"{self.done}/{self.total} pages, {rate:.1f} pages/min{eta}"

    def note(self, message: str) -> None:
        self._line(message)

    def stop(self) -> None:
        return None


class RichReporter:
    """A progress bar on a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._progress = Progress(
            TextColumn("[bold]paperdesk"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("pages"),
            _RateColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            transient=False,
        )
        self._task = self._progress.add_task("pages", total=0, read=0, start=False)
        self._read = 0

    def start(self, total: int) -> None:
        self._progress.update(self._task, total=total)
        self._progress.start_task(self._task)
        self._progress.start()

    def advance(self, pages: int = 1, cached: bool = False) -> None:
        if not cached:
            self._read += pages
        self._progress.update(self._task, advance=pages, read=self._read)

    def note(self, message: str) -> None:
        self._progress.console.print(f"paperdesk: {message}", highlight=False)

    def stop(self) -> None:
        self._progress.stop()


def make_reporter(quiet: bool, stream: TextIO | None = None) -> Reporter:
    """Quiet with -q; a bar when ``stream`` (default stderr) is a terminal; plain lines otherwise."""
    stream = stream if stream is not None else sys.stderr
    if quiet:
        return QuietReporter()
    if stream.isatty():
        return RichReporter(stream)
    return PlainReporter(stream)
