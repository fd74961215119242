"""Workbooks (XLSX) written by a child process: the organisers' report and a trip's
participants (bot/trips/exports.py), in the one style of the bot's workbooks
(`bot.core.sheets.write_sheet`).

openpyxl writes each sheet through a temporary file, a few kilobytes per system call. In
a worker thread of the bot those calls hand the GIL back and forth so often that the
event loop's thread, which waits 5 ms (`sys.getswitchinterval()`) for a turn that no
hand-over came in, kept missing its turn: a workbook of 5,000 participants held the loop
100-400 ms at a time (bench/data_scale.py). In a child process it holds nothing of the
bot's: the worker thread only waits for the child's answer. The child is a fresh Python
(`python -I -c ...` running `child_main`), which imports openpyxl and the sheet style only
(~0.3 s, ~55 MB, gone when the workbook is written); the bot's process no longer holds a
workbook's cells either.

The sheets go to the child pickled (plain values: texts, numbers, dates, None), the
workbook comes back as its bytes: nothing the child says is unpickled.
"""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from bot.core.errors import UserError
from bot.core.sheets import Cell, write_sheet

TIMEOUT = 60.0  # seconds: a workbook of 10,000 rows takes a few
PICKLE_ROWS = 250  # rows per pickle sent to the child: ~1 ms of GIL each
# Children at once: each is ~55 MB and holds one of asyncio's worker threads while it
# runs (those threads also carry the database's bulk writes); more organisers wait.
AT_ONCE = 2
_SLOTS = threading.BoundedSemaphore(AT_ONCE)
_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder that holds bot/
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from bot.reports.workbook import child_main; child_main()"
)


class WorkbookError(UserError):
    """The child process could not write the workbook: the organiser is asked to try
    again (text `workbook-failed`); the log has what happened, without the child's output
    (an openpyxl error may quote a cell: a name, a phone)."""

    def __init__(self, why: str) -> None:
        super().__init__("workbook-failed")
        self.why = why

    def __str__(self) -> str:
        return self.why


@dataclass(frozen=True, slots=True)
class SheetContent:
    title: str  # at most 31 characters are kept (Excel's limit)
    header: list[str]
    rows: list[list[Cell]]
    autofilter: bool = False  # a filter on the header row (when there are rows)


def write_workbook(sheets: Sequence[SheetContent]) -> bytes:
    """The workbook's bytes, written here (blocking): what the child runs."""
    from openpyxl import Workbook

    workbook = Workbook()
    # The sheet a new workbook starts with; the stubs type `active` loosely (a chart
    # sheet, or None), but a new workbook's is always a worksheet.
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for content in sheets:
        sheet = workbook.create_sheet(content.title[:31])
        write_sheet(sheet, content.header, content.rows)
        if content.autofilter and content.rows:
            sheet.auto_filter.ref = sheet.dimensions
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _pickled(sheets: Sequence[SheetContent]) -> bytes:
    """The sheets as a stream of small pickles: the number of sheets; then per sheet its
    title, header, filter and number of chunks, and its rows PICKLE_ROWS at a time.

    One `pickle.dumps` of 5,000 rows is a single C call of ~30 ms that keeps the GIL: the
    event loop's thread waited all that time (bench/data_scale.py). Between the chunks'
    calls the GIL changes hands as usual."""
    stream = io.BytesIO()
    pickle.dump(len(sheets), stream, protocol=pickle.HIGHEST_PROTOCOL)
    for sheet in sheets:
        chunks = [
            sheet.rows[start : start + PICKLE_ROWS]
            for start in range(0, len(sheet.rows), PICKLE_ROWS)
        ]
        head = (sheet.title, sheet.header, sheet.autofilter, len(chunks))
        pickle.dump(head, stream, protocol=pickle.HIGHEST_PROTOCOL)
        for chunk in chunks:
            pickle.dump(chunk, stream, protocol=pickle.HIGHEST_PROTOCOL)
    return stream.getvalue()


def _unpickled(stream: BinaryIO) -> list[SheetContent]:
    """What `_pickled` wrote, read back in the child."""
    sheets = []
    for _ in range(pickle.load(stream)):
        title, header, autofilter, chunks = pickle.load(stream)
        rows: list[list[Cell]] = []
        for _ in range(chunks):
            rows += pickle.load(stream)
        sheets.append(SheetContent(title, header, rows, autofilter))
    return sheets


def build_in_child(sheets: Sequence[SheetContent]) -> bytes:
    """The workbook's bytes, written by a child process (blocking: call it in a thread;
    the thread only waits meanwhile)."""
    payload = _pickled(sheets)
    # openpyxl writes each sheet through temporary files of the participants' data: in a
    # folder of this call's own, removed whatever becomes of the child (a kill on timeout
    # leaves openpyxl no chance to clean up).
    with _SLOTS, tempfile.TemporaryDirectory(prefix="pobratim-workbook-") as scratch:
        try:
            done = subprocess.run(
                [sys.executable, "-I", "-c", _CHILD_CODE, str(_PROJECT_ROOT)],
                input=payload,
                capture_output=True,
                timeout=TIMEOUT,
                check=False,
                # The child needs nothing of the bot's environment (tokens included).
                env={"PATH": os.environ.get("PATH", ""), "LC_ALL": "C.UTF-8", "TMPDIR": scratch},
            )
        except subprocess.TimeoutExpired as exc:
            raise WorkbookError(f"the workbook's process took over {TIMEOUT:g} s") from exc
        except OSError as exc:
            raise WorkbookError(f"the workbook's process did not start: {exc.errno}") from exc
    if done.returncode != 0 or not done.stdout:
        # Only the error's type, from the last line of its traceback.
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        kind = lines[-1].split(":", 1)[0][:80] if lines else "no output"
        raise WorkbookError(f"the workbook's process ended with {done.returncode}: {kind}")
    return done.stdout


def child_main() -> None:
    """In the child: the sheets (pickled by `build_in_child`) on stdin, the workbook on
    stdout."""
    # openpyxl imports numpy when it can, only to accept numpy numbers; nothing here has
    # any, and numpy's import and its OpenBLAS threads would only cost time and memory.
    # None in sys.modules makes `import numpy` fail at once (documented behaviour).
    sys.modules["numpy"] = None  # type: ignore[assignment]
    sheets = _unpickled(sys.stdin.buffer)
    sys.stdout.buffer.write(write_workbook(sheets))
    sys.stdout.buffer.flush()
