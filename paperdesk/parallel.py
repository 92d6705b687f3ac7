"""Run page work on every core, or on a Dask cluster, with a bounded number in flight.

One generator, :func:`run_bounded`, feeds ``(tag, args)`` items to a pool and yields
``(tag, outcome)`` as each finishes, never holding more than ``max_in_flight``
items at once: the items (pages with their images) are produced lazily, so
memory stays flat however many pages the batch has.

Pools:

- :class:`ProcessPool`, ``concurrent.futures.ProcessPoolExecutor`` whose workers
  run Tesseract single-threaded (``OMP_THREAD_LIMIT=1``: measured on 2 cores,
  a full page takes 1.1 s with it and 4.4 s without) and ignore Ctrl-C (the
  parent decides what to cancel); ``--jobs 1`` is one such worker, so the OCR
  models and a page's work images never share a process with the runner's own
  imports (the store, the export's reader), nor with the checks and the reports;
  the workers are forked from a fresh interpreter that has imported only the page
  reader (multiprocessing's forkserver), not from the runner. The fork server is started
  (:func:`start_fork_server`) before the runner's own imports, and every worker is forked when
  the pool is made and loads its models then (``warm``), so the first pages find them ready:
  forked on the first page handed over, a worker imported and loaded while the parent waited;
- :class:`InlinePool` runs in this process (tests with fakes);
- :class:`DaskPool`, a ``distributed.Client`` to ``tcp://HOST:PORT``; workers need
  the same installation (docs/cluster.md).
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from forms.errors import ConfigError, PaperdeskError

log = logging.getLogger(__name__)

# Pages in flight per worker: one running and one waiting, so no worker idles while
# the parent renders the next page, and memory holds at most 2 × jobs page images.
IN_FLIGHT_PER_WORKER = 2
# Tesseract's OpenMP threads per worker: one, as every core already has its own worker.
OMP_THREADS_PER_WORKER = "1"
# How workers start: forked from multiprocessing's fork server, a fresh interpreter that imported only
# WORKER_PRELOAD. Forked from the runner, a worker kept resident what the runner held when the pool
# started (its imports: pydantic, SQLAlchemy, openpyxl; the page it had rendered): ~40-60 MB more
# under every worker's peak (issue 14). The server starts once per process and forks in milliseconds.
WORKER_START_METHOD = "forkserver"
# What the fork server imports once for every worker it forks: what unpickling ``read_page_task`` needs.
WORKER_PRELOAD = ["paperdesk.stages"]
# How often a worker checks that the runner that started it still lives (``_end_with_runner``).
RUNNER_CHECK_S = 1.0
# How long to wait for a Dask scheduler before saying it cannot be reached.
DASK_CONNECT_TIMEOUT_S = "20s"


class PoolBrokenError(PaperdeskError):
    """A worker process died (killed, out of memory): the batch stops, what was stored is kept."""


@dataclass
class Outcome:
    """What one item came back as: a value, or the error it raised."""

    value: Any = None
    error: BaseException | None = None


def start_fork_server() -> None:
    """Start the fork server now (it imports ``WORKER_PRELOAD``, ~0.5 CPU s), on the core the runner
    leaves idle while it imports and plans (issue 14: started with the first page handed over, it
    imported while the page waited). Cheap here, and a no-op once it runs; this module imports no
    page reader, so calling it costs the caller nothing to import."""
    context = multiprocessing.get_context(WORKER_START_METHOD)
    context.set_forkserver_preload(WORKER_PRELOAD)
    multiprocessing.forkserver.ensure_running()


def start_worker(runner_pid: int | None = None, warm: Callable[[], None] | None = None) -> None:
    """A worker process's set-up (``limit_worker_threads``), then ``warm``: what its pages will load
    (the OCR models), loaded as it starts, while the parent renders the first pages. A ``warm`` that
    fails with the project's own error (the models not installed) is left to the first page to raise
    again, as that page's reason: an initializer that raises breaks the whole pool without one."""
    limit_worker_threads(runner_pid)
    if warm is not None:
        try:
            warm()
        except PaperdeskError as exc:
            log.warning("worker start-up: %s", exc)


def limit_worker_threads(runner_pid: int | None = None) -> None:
    """Worker set-up: Tesseract single-threaded; Ctrl-C is the parent's to handle; and, given the
    runner's pid, the worker ends when the runner does (``_end_with_runner``)."""
    os.environ["OMP_THREAD_LIMIT"] = OMP_THREADS_PER_WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if runner_pid is not None:
        threading.Thread(target=_end_with_runner, args=(runner_pid,), name="paperdesk-runner-watch", daemon=True).start()


def _end_with_runner(runner_pid: int) -> None:
    """A worker's watch on the runner that started it: a runner killed mid-batch (SIGTERM, its terminal
    closed) left its workers reading on, then blocked on an answer nobody reads, ~340 MB each for good."""
    while True:
        time.sleep(RUNNER_CHECK_S)
        try:
            os.kill(runner_pid, 0)
        except (ProcessLookupError, PermissionError):  # gone, or its pid now another user's process
            os._exit(1)  # nobody to answer: no clean-up is owed to a runner that is gone


def call_single_threaded(fn: Callable[..., Any], *args: Any) -> Any:
    """Run ``fn(*args)`` with Tesseract single-threaded (for Dask workers, set up by nobody)."""
    os.environ.setdefault("OMP_THREAD_LIMIT", OMP_THREADS_PER_WORKER)
    return fn(*args)


class Pool(Protocol):
    workers: int

    def run(
        self, fn: Callable[..., Any], items: Iterable[tuple[Any, tuple[Any, ...]]], errors: tuple[type[BaseException], ...]
    ) -> Iterator[tuple[Any, Outcome]]: ...

    def close(self, cancel: bool = False) -> None: ...


class InlinePool:
    """Everything in this process, one item at a time."""

    workers = 1

    def run(
        self, fn: Callable[..., Any], items: Iterable[tuple[Any, tuple[Any, ...]]], errors: tuple[type[BaseException], ...]
    ) -> Iterator[tuple[Any, Outcome]]:
        for tag, args in items:
            try:
                yield tag, Outcome(value=fn(*args))
            except errors as exc:
                yield tag, Outcome(error=exc)

    def close(self, cancel: bool = False) -> None:
        """What the page work loaded into this process goes, as a worker process's goes with it:
        the OCR models (``extract.ocr_models.unload``; loaded again by the next batch that reads)."""
        from extract.ocr_models import unload  # the page reader's, imported where pages were read

        unload()


class ProcessPool:
    """A local process pool, bounded in flight, its ``jobs`` workers forked at once, each running
    ``warm`` as it starts (``start_worker``)."""

    def __init__(self, jobs: int, warm: Callable[[], None] | None = None) -> None:
        self.workers = jobs
        start_fork_server()
        context = multiprocessing.get_context(WORKER_START_METHOD)
        self._executor = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=start_worker,
                                                initargs=(os.getpid(), warm))
        # The executor forks a worker for each item submitted while none is idle: one small item per
        # worker forks them all now, not one by one as the first pages are handed over. In a thread: a
        # fork waits for the fork server's imports, and meanwhile this process renders the first page.
        self._starting = threading.Thread(target=self._fork_workers, name="paperdesk-pool-start", daemon=True)
        self._starting.start()

    def _fork_workers(self) -> None:
        for _ in range(self.workers):
            self._executor.submit(_started)

    def run(
        self, fn: Callable[..., Any], items: Iterable[tuple[Any, tuple[Any, ...]]], errors: tuple[type[BaseException], ...]
    ) -> Iterator[tuple[Any, Outcome]]:
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending: dict[cf.Future[Any], Any] = {}
        source = iter(items)
        exhausted = False
        while pending or not exhausted:
            while not exhausted and len(pending) < limit:
                try:
                    tag, args = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending[self._executor.submit(_call_handed_over, _HandOver(fn, args))] = tag
                del args  # the hand-over alone holds the page, until it is pickled to a worker
            if not pending:
                break
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                tag = pending.pop(future)
                yield tag, _outcome(future, errors)

    def close(self, cancel: bool = False) -> None:
        self._starting.join()
        self._executor.shutdown(wait=True, cancel_futures=cancel)


class _HandOver:
    """``fn(*args)`` on its way to a worker process, whose arguments (a page and its image) the parent
    lets go the moment they are pickled onto the pipe, not when the worker's answer comes back: held
    until then, a page a worker was reading stayed in the parent beside the next one waiting for it
    (~25 MB each at 300 dpi, under the rendering of a third: issue 14)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self._call: tuple[Callable[..., Any], tuple[Any, ...]] | None = (fn, args)

    def __reduce__(self) -> tuple[Any, ...]:
        call, self._call = self._call, None
        if call is None:
            raise RuntimeError("a page's work is handed to one worker, once")
        return (tuple, (call,))  # unpickled as the plain (fn, args)


def _started() -> None:
    """The item that forks a worker (``ProcessPool``): nothing to do once it is set up."""


def _call_handed_over(call: Any) -> Any:
    """Worker side of ``_HandOver``: ``call`` arrives as the plain ``(fn, args)``."""
    fn, args = call
    return fn(*args)


def _outcome(future: Any, errors: tuple[type[BaseException], ...]) -> Outcome:
    try:
        return Outcome(value=future.result())
    except errors as exc:
        return Outcome(error=exc)
    except cf.process.BrokenProcessPool as exc:
        raise PoolBrokenError(f"a worker process died ({exc}); run again to resume") from exc


class DaskPool:
    """Page work on a Dask distributed cluster (``--cluster tcp://HOST:PORT``)."""

    def __init__(self, address: str, timeout: str = DASK_CONNECT_TIMEOUT_S) -> None:
        from distributed import Client

        try:
            self._client = Client(address, timeout=timeout)
        except OSError as exc:
            raise ConfigError(f"--cluster: cannot reach the Dask scheduler at {address}: {exc}") from exc
        self.workers = max(1, sum(self._client.nthreads().values()))

    def run(
        self, fn: Callable[..., Any], items: Iterable[tuple[Any, tuple[Any, ...]]], errors: tuple[type[BaseException], ...]
    ) -> Iterator[tuple[Any, Outcome]]:
        from distributed import as_completed

        limit = self.workers * IN_FLIGHT_PER_WORKER
        tags: dict[Any, Any] = {}  # future key -> tag
        source = iter(items)
        queue = as_completed([], with_results=False)
        exhausted = False

        def fill() -> bool:
            while len(tags) < limit:
                try:
                    tag, args = next(source)
                except StopIteration:
                    return True
                future = self._client.submit(call_single_threaded, fn, *args, pure=False)
                tags[future.key] = tag
                queue.add(future)
            return False

        exhausted = fill()
        while tags:
            future = next(queue)
            tag = tags.pop(future.key)
            outcome = _outcome(future, errors)
            future.release()
            yield tag, outcome
            if not exhausted:
                exhausted = fill()

    def close(self, cancel: bool = False) -> None:
        self._client.close()


def make_pool(jobs: int, cluster: str | None, warm: Callable[[], None] | None = None) -> Pool:
    """The pool a batch runs on: Dask when a cluster is given, else ``jobs`` worker processes (one for
    one job), each running ``warm`` as it starts."""
    if cluster is not None:
        return DaskPool(cluster)
    return ProcessPool(max(1, jobs), warm)
