"""bench/data_scale.py at a tiny scale, so that it keeps working as the code changes: it
fills the store through the repositories and runs every operation it measures (each
checks its own result), on the store of this pass (TEST_DATABASE_URL or SQLite). The
figures themselves are not checked: a shared machine makes them noise at this size."""

from __future__ import annotations

import re

from bench import data_scale
from tests.conftest import TEST_DATABASE_URL


async def test_the_bench_runs_every_operation_and_prints_its_line() -> None:
    line = await data_scale.run(300, TEST_DATABASE_URL or None)
    store = "postgres" if TEST_DATABASE_URL else "sqlite"
    assert re.fullmatch(
        r"data_scale people=300 worst_loop_ms=\d+ worst=\w+ "
        + " ".join(rf"{name}_ms=\d+" for name in data_scale.OPERATIONS)
        + f" store={store}",
        line,
    ), line
