"""`python -m bot run --workers N`: N webhook worker processes on one listening socket.

The parent binds WEBHOOK_HOST:WEBHOOK_PORT once (a busy port is one line at start-up, as
with one process) and starts N copies of `python -m bot run` that inherit the socket and
accept connections from it: the kernel hands each new connection to one of them. This is
how gunicorn and uvicorn run workers; it needs no SO_REUSEPORT (whose sockets a stray
process of the same user could join) and no proxy in front.

The parent only supervises: a worker that dies is started again (after 1 s, longer if it
keeps dying), and SIGTERM or SIGINT stops every worker gracefully (they finish the
updates in flight) before the parent exits. A worker that exits with code 2 at start-up
has found a settings error: every worker would, so the parent stops and exits with 2.
The workers share state through PostgreSQL and Redis; one of them leads and sends
(bot/operations/leadership.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import socket
import sys
import time

logger = logging.getLogger(__name__)

# A worker learns its socket and its number from these (set only by the parent).
SOCKET_FD = "POBRATIM_WORKER_FD"
NUMBER = "POBRATIM_WORKER"
PARENT = "POBRATIM_WORKER_PARENT"
STOP_GRACE = 30.0  # seconds a worker gets to finish its updates after SIGTERM
SETTINGS_ERROR = 2
QUICK_DEATH = 10.0  # a worker that dies sooner than this after its start waits longer
MAX_BACKOFF = 30.0
PR_SET_PDEATHSIG = 1


def inherited_socket() -> socket.socket | None:
    """In a worker: the listening socket the parent bound."""
    fd = os.environ.get(SOCKET_FD)
    if fd is None:
        return None
    _die_with_parent()
    sock = socket.socket(fileno=int(fd))
    sock.setblocking(False)
    return sock


def _die_with_parent() -> None:
    """A worker whose parent was killed (kill -9) gets SIGTERM and stops, instead of
    serving on, unsupervised, on a port the next start then finds taken (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.environ.get(PARENT) != str(os.getppid()):  # it died before prctl: stop now
        os.kill(os.getpid(), signal.SIGTERM)


def worker_number() -> int:
    """1..N in a worker, 0 in a single process."""
    return int(os.environ.get(NUMBER, "0"))


class WorkerPool:
    def __init__(self, sock: socket.socket, count: int) -> None:
        self._sock = sock
        self._count = count
        self._procs: dict[int, asyncio.subprocess.Process] = {}
        self._started: dict[int, float] = {}
        self._backoff: dict[int, float] = {}
        self._stopping = asyncio.Event()
        self.exit_code = 0

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.add_signal_handler(sig, self._stopping.set)
        try:
            for number in range(1, self._count + 1):
                await self._start(number)
            logger.info("%d webhook workers started", self._count)
            await self._watch()
        finally:
            await self._stop_all()
        return self.exit_code

    async def _start(self, number: int) -> None:
        env = {
            **os.environ,
            SOCKET_FD: str(self._sock.fileno()),
            NUMBER: str(number),
            PARENT: str(os.getpid()),
        }
        self._procs[number] = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            env=env,
            pass_fds=(self._sock.fileno(),),
        )
        self._started[number] = time.monotonic()

    async def _watch(self) -> None:
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            while not self._stopping.is_set():
                waits = {
                    asyncio.create_task(proc.wait()): number
                    for number, proc in self._procs.items()
                }
                done, pending = await asyncio.wait(
                    {stopping, *waits}, return_when=asyncio.FIRST_COMPLETED
                )
                for task in pending:
                    if task is not stopping:
                        task.cancel()
                for task in done:
                    if task is stopping:
                        return
                    await self._died(waits[task], task.result())
        finally:
            stopping.cancel()

    async def _died(self, number: int, code: int) -> None:
        if self._stopping.is_set():
            return  # stopped with the others (Ctrl-C reaches the whole group)
        lived = time.monotonic() - self._started[number]
        # Exit 2 from a worker's first start is a settings error every worker would hit;
        # later (the database or Telegram unreachable for a while) it is started again.
        first_start = number not in self._backoff
        if code == SETTINGS_ERROR and lived < QUICK_DEATH and first_start:
            logger.error("Worker %d found a settings error (exit 2); stopping", number)
            self.exit_code = SETTINGS_ERROR
            self._stopping.set()
            return
        backoff = 1.0
        if lived < QUICK_DEATH:
            backoff = min(self._backoff.get(number, 0.5) * 2, MAX_BACKOFF)
        self._backoff[number] = backoff
        logger.error(
            "Worker %d stopped (exit code %s after %.0f s); starting it again in %.0f s",
            number,
            code,
            lived,
            backoff,
        )
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(backoff):
                await self._stopping.wait()
        if not self._stopping.is_set():
            await self._start(number)

    async def _stop_all(self) -> None:
        running = [proc for proc in self._procs.values() if proc.returncode is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        if not running:
            return
        _, late = await asyncio.wait(
            [asyncio.create_task(proc.wait()) for proc in running], timeout=STOP_GRACE
        )
        if late:
            logger.error("%d workers did not stop in %.0f s; killed", len(late), STOP_GRACE)
            for proc in running:
                if proc.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
            await asyncio.gather(*(proc.wait() for proc in running))
