"""Reading an import file in a child process, with limits on its time and memory.

An organiser's file may be hostile (a phone can be stolen): a YAML or XLSX file of a few
kilobytes can ask for gigabytes and minutes. Parsing it in the bot's own process, even in
a thread, would let it take the bot's memory and, holding the GIL, every other person's
answers; a thread can be neither stopped nor capped. So the file is parsed by a fresh
Python process (`python -I -c ...` running `child_main` below) that caps its own address
space with RLIMIT_AS and its CPU time with RLIMIT_CPU, and the bot kills it once the
wall-clock limit has passed. The event loop only awaits pipes meanwhile.

The parse result comes back as JSON, plain data that the bot then checks and writes as
before (bot/importer/records.py and the modules it calls): nothing the child says is
executed or unpickled.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from bot.importer.files import (
    MB,
    CellLocator,
    FileFormat,
    Issue,
    Locator,
    PathLocator,
    Record,
    Sections,
    Where,
    read_file,
)

logger = logging.getLogger(__name__)

# A real import (hundreds of rows) is read in about a second and under 100 MB. A file near
# the size limit (4.6 MB of YAML, 5000 records) took 14 s on a two-core machine under a load
# of 5, a table of 5000 rows 4 s, both under 80 MB: the limits leave room four times over.
# docs/import-format.md states them.
DEFAULT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 512
# At most this many files are read at once: each child may take the memory limit.
DEFAULT_PARALLEL = 2
# What the child may send back. Values are limited by the file (5 MB, 50 MB unpacked), but a
# table can repeat one long shared string in every cell: the child refuses a result larger
# than this, and the bot stops reading at it.
MAX_RESULT_BYTES = 64 * MB
_STDERR_KEPT = 4096
_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds bot/
# Runs in the child: the project first on the path, no user site, no PYTHON* variables.
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from bot.importer.sandbox import child_main; child_main(sys.argv[2:])"
)


@dataclass(frozen=True, slots=True)
class ParseLimits:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


def seconds_text(seconds: float) -> str:
    """A duration as people read it here: 30, 1,5."""
    return f"{seconds:g}".replace(".", ",")


# ---------------------------------------------------------------------------------------------
# Plain data both ways
# ---------------------------------------------------------------------------------------------

# Values are JSON scalars and lists as they are; everything else is an object tagged "$".


def _pack_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_pack_value(item) for item in value]
    if isinstance(value, dict):
        return {"$": "map", "v": [[_pack_value(k), _pack_value(v)] for k, v in value.items()]}
    if isinstance(value, datetime):
        return {"$": "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {"$": "date", "v": value.isoformat()}
    if isinstance(value, time):
        return {"$": "time", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$": "timedelta", "v": value.total_seconds()}
    return {"$": "other"}  # no such value is valid anywhere: the check says "not a value"


class _Unreadable:
    """A cell value of a kind no field takes (the check reports it as not a value)."""


def _unpack_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_unpack_value(item) for item in value]
    if not isinstance(value, dict):
        return value
    tag: Any = value.get("$")
    raw: Any = value.get("v")
    if tag == "map":
        return {_unpack_value(k): _unpack_value(v) for k, v in raw}
    if tag == "datetime":
        return datetime.fromisoformat(raw)
    if tag == "date":
        return date.fromisoformat(raw)
    if tag == "time":
        return time.fromisoformat(raw)
    if tag == "timedelta":
        return timedelta(seconds=raw)
    return _Unreadable()


def _pack_where(where: Where) -> dict[str, Any]:
    return {
        name: value
        for name in ("path", "sheet", "row", "column", "line")
        if (value := getattr(where, name)) is not None
    }


def _pack_issue(issue: Issue) -> dict[str, Any]:
    packed: dict[str, Any] = {
        "where": _pack_where(issue.where),
        "key": issue.key,
        "args": {name: _pack_value(value) for name, value in issue.args.items()},
    }
    if issue.other is not None:
        packed["other"] = _pack_where(issue.other)
    return packed


def _unpack_issue(packed: dict[str, Any]) -> Issue:
    other = packed.get("other")
    return Issue(
        Where(**packed["where"]),
        str(packed["key"]),
        {str(name): _unpack_value(value) for name, value in packed["args"].items()},
        Where(**other) if other is not None else None,
    )


def _pack_locator(locate: Locator) -> dict[str, Any]:
    if isinstance(locate, PathLocator):
        return {"path": locate.prefix}
    return {"sheet": locate.sheet, "row": locate.row}


def _unpack_locator(packed: dict[str, Any]) -> Locator:
    if "path" in packed:
        return PathLocator(str(packed["path"]))
    return CellLocator(str(packed["sheet"]), int(packed["row"]))


def _pack_record(record: Record) -> dict[str, Any]:
    return {
        "values": {name: _pack_value(value) for name, value in record.values.items()},
        "locate": _pack_locator(record.locate),
        "questions": [_pack_record(question) for question in record.questions],
        "questions_given": record.questions_given,
        "silent": sorted(record.silent),
    }


def _unpack_record(packed: dict[str, Any]) -> Record:
    return Record(
        {str(name): _unpack_value(value) for name, value in packed["values"].items()},
        _unpack_locator(packed["locate"]),
        [_unpack_record(question) for question in packed["questions"]],
        bool(packed["questions_given"]),
        frozenset(packed["silent"]),
    )


def pack_result(sections: Sections, issues: list[Issue]) -> bytes:
    document = {
        "sections": {
            name: [_pack_record(record) for record in records]
            for name, records in sections.items()
        },
        "issues": [_pack_issue(issue) for issue in issues],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def unpack_result(data: bytes) -> tuple[Sections, list[Issue]]:
    document = json.loads(data)
    sections = {
        str(name): [_unpack_record(record) for record in records]
        for name, records in document["sections"].items()
    }
    return sections, [_unpack_issue(issue) for issue in document["issues"]]


def _refusal(key: str, **args: Any) -> tuple[Sections, list[Issue]]:
    return {}, [Issue(Where(), key, args)]


# ---------------------------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------------------------


def _limit_self(memory_mb: int, seconds: float) -> None:
    try:
        import resource
    except ImportError:  # not a Unix: only the wall-clock limit applies
        return
    memory = memory_mb * MB
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # A second guard should the bot be gone and not kill the child: CPU seconds.
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))


def child_main(argv: list[str]) -> None:
    """`<format> <memory MB> <seconds>`; the file on stdin, the result (JSON) on stdout."""
    file_format, memory_mb, seconds = FileFormat(argv[0]), int(argv[1]), float(argv[2])
    _limit_self(memory_mb, seconds)
    # openpyxl would parse without defusedxml if this were set to False in the environment.
    os.environ["OPENPYXL_DEFUSEDXML"] = "True"
    # openpyxl imports numpy when it can, only to accept numpy numbers when writing; numpy
    # starts OpenBLAS threads whose buffers alone can exceed the memory limit.
    # None in sys.modules makes `import numpy` fail at once (documented behaviour).
    sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        data = sys.stdin.buffer.read()
        result = pack_result(*read_file(data, file_format))
        del data
        if len(result) > MAX_RESULT_BYTES:
            result = pack_result(
                *_refusal("import-error-unpacked-too-big", limit=MAX_RESULT_BYTES // MB)
            )
    except MemoryError:
        result = pack_result(*_refusal("import-error-memory-limit", limit=memory_mb))
    sys.stdout.buffer.write(result)
    sys.stdout.buffer.flush()


# ---------------------------------------------------------------------------------------------
# The bot's side
# ---------------------------------------------------------------------------------------------


class _TooMuchOutput(Exception):
    pass


async def _read_capped(stream: asyncio.StreamReader, cap: int, *, strict: bool) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await stream.read(1024 * 1024):
        if size + len(chunk) > cap:
            if strict:
                raise _TooMuchOutput
            continue  # stderr: the start is enough for the log, the rest is drained
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


async def _feed(stdin: asyncio.StreamWriter, data: bytes) -> None:
    try:
        stdin.write(data)
        await stdin.drain()
        stdin.close()
    except (BrokenPipeError, ConnectionResetError):
        pass  # the child died early; its exit code says why


@dataclass
class ImportReader:
    """Parses import files in child processes, a few at a time."""

    limits: ParseLimits = field(default_factory=ParseLimits)
    parallel: int = DEFAULT_PARALLEL
    _slots: asyncio.Semaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = asyncio.Semaphore(self.parallel)

    async def read(self, data: bytes, file_format: FileFormat) -> tuple[Sections, list[Issue]]:
        """Records and problems of the file, or one problem saying which limit it broke."""
        async with self._slots:
            return await self._read(data, file_format)

    async def _start(self, file_format: FileFormat) -> asyncio.subprocess.Process:
        limits = self.limits
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-I",  # isolated: no PYTHON* variables, user site or current folder on the path
            "-c",
            _CHILD_CODE,
            str(_PROJECT_ROOT),
            file_format.value,
            str(limits.memory_mb),
            str(limits.seconds),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            # The child needs nothing of the bot's environment (tokens included).
            env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8"},
        )

    async def _read(self, data: bytes, file_format: FileFormat) -> tuple[Sections, list[Issue]]:
        limits = self.limits
        try:
            process = await self._start(file_format)
        except OSError:  # no memory or processes left on the machine: not the file's fault
            logger.exception("import file: the reader could not be started")
            return _refusal("import-error-reader-failed")
        assert process.stdin and process.stdout and process.stderr
        try:
            async with asyncio.timeout(limits.seconds):
                _, output, errors = await asyncio.gather(
                    _feed(process.stdin, data),
                    _read_capped(process.stdout, MAX_RESULT_BYTES, strict=True),
                    _read_capped(process.stderr, _STDERR_KEPT, strict=False),
                )
                code = await process.wait()
        except TimeoutError:
            logger.warning("import file: reading stopped after %s s", limits.seconds)
            return _refusal("import-error-time-limit", seconds=seconds_text(limits.seconds))
        except _TooMuchOutput:
            logger.warning("import file: the reader's result is over %s bytes", MAX_RESULT_BYTES)
            return _refusal("import-error-unpacked-too-big", limit=MAX_RESULT_BYTES // MB)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if code == 0:
            try:
                return unpack_result(output)
            except (ValueError, KeyError, TypeError):
                logger.exception("import file: the reader's result cannot be read")
                return _refusal("import-error-unreadable")
        # Killed by the CPU limit, or out of memory where MemoryError could not be caught
        # (Python dies with "Cannot allocate" in its own start-up or a C extension).
        tail = errors.decode("utf-8", "replace")[-500:]
        # Only the kind of the error ("MemoryError"): its message may quote the file.
        kind = tail.strip().rsplit("\n", 1)[-1].split(":", 1)[0][:80]
        logger.warning("import file: the reader ended with %s: %s", code, kind or "-")
        if "memory" in tail.lower():  # MemoryError, "Cannot allocate memory", OpenBLAS…
            return _refusal("import-error-memory-limit", limit=limits.memory_mb)
        if code < 0:
            return _refusal("import-error-time-limit", seconds=seconds_text(limits.seconds))
        return _refusal("import-error-unreadable")
