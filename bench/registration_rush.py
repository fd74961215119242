"""N people register for a trip with S seats within one second, through the full stack.

The real dispatcher and middlewares poll a fake Bot API over HTTP and write a real
SQLite file. Each person presses "Записаться" and then "Подтвердить"; the latency of a
person is from the first press to the bot's answer to the second (its
answerCallbackQuery). Prints one last line:

registration_rush users=1000 seats=50 approved=50 waitlisted=950 lost=0 p50_ms=… p95_ms=…
                  total_s=… cpu_ms_per_registration=… mode=polling store=sqlite  (one line)

The fake Bot API and the people pressing buttons live on Telegram's side, so they run
in a process of their own (as Telegram runs on other machines): the bot's process does
only what the real bot does, and cpu_ms_per_registration is that process's CPU time
(user and system) during the rush, per person. `--in-process` runs all of it in one
event loop instead (its CPU figure includes the fake Telegram's).

`--webhook`: the bot serves a webhook and the fake Telegram POSTs each update to it, as
Telegram does, instead of the bot polling; with `--answer-in-response` each press's answer
goes back in the webhook's HTTP response (WEBHOOK_ANSWER_IN_RESPONSE).
`--database-url postgresql://...`: the bot's data in a fresh schema of that database
(dropped afterwards) instead of a SQLite file.

Run: .venv/bin/python -m bench.registration_rush [--users N] [--seats S] [--spread SECONDS]
     [--webhook [--answer-in-response]] [--database-url URL] [--no-metrics]

`--no-metrics`: METRICS_PORT=0, so nothing is counted for /metrics (the default counts,
as the bot does); the two side by side give what the metrics cost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from aiohttp import web

from bench.stores import bench_store, store_name
from bot.app import create_bot, create_dispatcher
from bot.runner import build_webhook_app, open_database
from handlers.trips.callbacks import TripAction, TripCb
from storage.db import Database, utc_now
from storage.people import NewProfile, PersonRepo
from tests.conftest import TOKEN, RunningBot, TgUser, make_settings
from tests.fake_telegram import FakeTelegram, SentMessage, UpdateFactory
from tests.processes import cpu_seconds, free_port
from tests.trip_seed import add_programme, add_trip

FIRST_ID = 10_000_000
CONFIRM = "✅ Подтвердить"
ANSWERS = ("Вы записаны", "листе ожидания")
TIMEOUT = 120.0
HOOK = "https://bot.example.org/tg/hook"
SECRET = "bench-secret"


@dataclass(frozen=True, slots=True)
class Outcome:
    latencies: list[float]
    answered: int  # people whose last message says they are on the trip or in line
    total: float


async def _seed(db: Database, users: int, seats: int) -> int:
    programme = await add_programme(db, audience=())
    trip_id = await add_trip(db, programme_id=programme, capacity=seats)
    people = PersonRepo(db)
    for index in range(users):
        await people.complete_profile(
            tg_id=FIRST_ID + index,
            language="ru",
            profile=NewProfile(f"Участник {index}", 1, "teacher", "Школа", utc_now()),
        )
    return trip_id


async def _counts(db: Database, trip_id: int) -> dict[str, int]:
    async with db.read.execute(
        "SELECT status, COUNT(*) FROM registrations WHERE trip_id = ? GROUP BY status",
        (trip_id,),
    ) as cur:
        return {row[0]: row[1] for row in await cur.fetchall()}


def _line(
    users: int,
    seats: int,
    counts: dict[str, int],
    outcome: Outcome,
    *,
    cpu: float,
    mode: str,
    store: str,
    metrics: bool = True,
) -> str:
    approved = counts.get("approved", 0)
    waitlisted = counts.get("waitlisted", 0)
    lost = users - min(approved + waitlisted, outcome.answered)
    cuts = statistics.quantiles(outcome.latencies, n=100)
    return (
        f"registration_rush users={users} seats={seats} approved={approved}"
        f" waitlisted={waitlisted} lost={lost} p50_ms={cuts[49] * 1000:.0f}"
        f" p95_ms={cuts[94] * 1000:.0f} total_s={outcome.total:.2f}"
        f" cpu_ms_per_registration={cpu * 1000 / users:.2f} mode={mode} store={store}"
        f" metrics={'on' if metrics else 'off'}"
    )


# Telegram's side in a process of its own


class WatchedTelegram(FakeTelegram):
    """The fake Bot API that tells a waiting person when the bot has answered them."""

    def __init__(self, token: str = TOKEN) -> None:
        super().__init__(token)
        self._waiters: dict[str, asyncio.Event] = {}

    def _dispatch(self, method: str, params: dict[str, Any], files: Any) -> Any:
        result = super()._dispatch(method, params, files)
        # A press is answered by answerCallbackQuery, a typed message by a message.
        key = params.get("callback_query_id") or params.get("chat_id")
        waiter = self._waiters.pop(str(key), None)
        if waiter is not None:
            waiter.set()
        return result

    async def deliver(self, update: dict[str, Any]) -> None:
        """Hand an update to the bot and wait for its answer."""
        if "callback_query" in update:
            key = update["callback_query"]["id"]
        else:
            key = str(update["message"]["chat"]["id"])
        answered = self._waiters[key] = asyncio.Event()
        self.add_update(update)
        await answered.wait()

    def button(self, chat_id: int, label: str) -> tuple[SentMessage, str]:
        for message in reversed(self.messages(chat_id)):
            for button in message.buttons():
                if button.get("text") == label and "callback_data" in button:
                    return message, button["callback_data"]
        texts = [message.plain_text()[:80] for message in self.messages(chat_id)]
        raise AssertionError(f"no button {label!r} in chat {chat_id}: {texts}")


async def _press_twice(
    telegram: WatchedTelegram, person: UpdateFactory, trip_id: int, delay: float
) -> float:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    # The person opens the bot from a trip link; the card has "Записаться".
    register = TripCb(action=TripAction.REGISTER, id=trip_id).pack()
    menu = telegram.last_message(person.user_id)
    await telegram.deliver(person.callback(menu, register))
    message, data = telegram.button(person.user_id, CONFIRM)
    await telegram.deliver(person.callback(message, data))
    return time.perf_counter() - started


async def _crowd(pipe: Connection, users: int, spread: float) -> None:
    telegram = WatchedTelegram()
    await telegram.start()
    try:
        pipe.send(telegram.base_url)
        # The trip, and the bot's local webhook address (None: the bot polls).
        trip_id, webhook_address = await asyncio.to_thread(pipe.recv)
        telegram.webhook_address = webhook_address
        people = [UpdateFactory(FIRST_ID + index) for index in range(users)]
        async with asyncio.timeout(TIMEOUT):
            await asyncio.gather(*(telegram.deliver(p.message("/start")) for p in people))
            rng = random.Random(42)
            started = time.perf_counter()
            latencies = await asyncio.gather(
                *(_press_twice(telegram, p, trip_id, rng.uniform(0, spread)) for p in people)
            )
            total = time.perf_counter() - started
        answered = sum(
            1
            for p in people
            if any(text in telegram.last_message(p.user_id).plain_text() for text in ANSWERS)
        )
        pipe.send(Outcome(list(latencies), answered, total))
        await asyncio.to_thread(pipe.recv)  # the bot has stopped polling
    finally:
        await telegram.stop()


def _telegram_process(pipe: Connection, users: int, spread: float) -> None:
    asyncio.run(_crowd(pipe, users, spread))


@dataclass(frozen=True, slots=True)
class _Remote:
    base_url: str


async def run(
    users: int,
    seats: int,
    spread: float,
    *,
    webhook: bool = False,
    answer_in_response: bool = False,
    database_url: str | None = None,
    metrics: bool = True,
) -> str:
    context = multiprocessing.get_context("spawn")
    pipe, child_pipe = context.Pipe()
    process = context.Process(
        target=_telegram_process, args=(child_pipe, users, spread), daemon=True
    )
    process.start()
    try:
        base_url = await asyncio.to_thread(pipe.recv)
        with tempfile.TemporaryDirectory() as folder:
            async with bench_store(database_url, Path(folder) / "bench.sqlite3") as store_url:
                port = free_port()
                hook = (
                    {
                        "webhook_url": HOOK,
                        "webhook_secret": SECRET,
                        "webhook_answer_in_response": answer_in_response,
                    }
                    if webhook
                    else {}
                )
                settings = make_settings(
                    _Remote(base_url),  # type: ignore[arg-type]
                    Path(folder) / "bench.sqlite3",
                    flood_limit=100,
                    database_url=store_url,
                    # The counters and histograms /metrics shows (0: none kept).
                    metrics_port=free_port() if metrics else 0,
                    **hook,
                )
                db = await open_database(settings)
                bot = create_bot(settings)
                dp = create_dispatcher(settings, db, bot)
                try:
                    trip_id = await _seed(db, users, seats)
                    serving = await _serve(settings, dp, bot, port) if webhook else None
                    polling = (
                        None
                        if webhook
                        else asyncio.create_task(
                            dp.start_polling(
                                bot,
                                handle_signals=False,
                                polling_timeout=1,
                                allowed_updates=dp.resolve_used_update_types(),
                            )
                        )
                    )
                    address = f"http://127.0.0.1:{port}/tg/hook" if webhook else None
                    cpu = cpu_seconds()
                    pipe.send((trip_id, address))
                    outcome: Outcome = await asyncio.to_thread(pipe.recv)
                    cpu = cpu_seconds() - cpu
                    counts = await _counts(db, trip_id)
                    if polling is not None:
                        await dp.stop_polling()
                        await polling
                    if serving is not None:
                        await serving.cleanup()
                finally:
                    await bot.session.close()
                    await db.close()
        pipe.send("stop")
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
    return _line(
        users,
        seats,
        counts,
        outcome,
        cpu=cpu,
        mode=("webhook-answer-in-response" if answer_in_response else "webhook")
        if webhook
        else "polling",
        store=store_name(database_url),
        metrics=metrics,
    )


async def _serve(settings: Any, dp: Any, bot: Any, port: int) -> web.AppRunner:
    """The bot's webhook server on 127.0.0.1 (as `python -m bot run` serves it)."""
    runner = web.AppRunner(build_webhook_app(settings, dp, bot), access_log=None)
    await runner.setup()  # tells the fake Telegram the webhook (setWebhook)
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


# Everything in one event loop (the bench as it was first written)


async def _one_person(user: TgUser, trip_id: int, delay: float) -> float:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    register = TripCb(action=TripAction.REGISTER, id=trip_id).pack()
    await user.app.process(user.updates.callback(user.telegram.last_message(user.id), register))
    message, button = user.find_button(CONFIRM)
    await user.app.process(user.updates.callback(message, button["callback_data"]))
    return time.perf_counter() - started


async def run_in_process(users: int, seats: int, spread: float) -> str:
    telegram = FakeTelegram(TOKEN)
    await telegram.start()
    with tempfile.TemporaryDirectory() as folder:
        settings = make_settings(telegram, Path(folder) / "bench.sqlite3", flood_limit=100)
        app = RunningBot(telegram, settings)
        await app.start()
        try:
            assert app.db is not None
            trip_id = await _seed(app.db, users, seats)
            crowd = [TgUser(app, FIRST_ID + index) for index in range(users)]
            await app.process(*(user.updates.message("/start") for user in crowd))
            rng = random.Random(42)
            started, cpu = time.perf_counter(), cpu_seconds()
            latencies = await asyncio.gather(
                *(_one_person(user, trip_id, rng.uniform(0, spread)) for user in crowd)
            )
            total = time.perf_counter() - started
            cpu = cpu_seconds() - cpu
            counts = await _counts(app.db, trip_id)
            answered = sum(1 for user in crowd if any(text in user.last_text for text in ANSWERS))
        finally:
            await app.stop()
            await telegram.stop()
    outcome = Outcome(list(latencies), answered, total)
    return _line(users, seats, counts, outcome, cpu=cpu, mode="in-process", store="sqlite")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--spread", type=float, default=1.0, help="arrivals spread, seconds")
    parser.add_argument(
        "--in-process", action="store_true", help="the fake Bot API in the bot's event loop"
    )
    parser.add_argument("--webhook", action="store_true", help="Telegram POSTs to a webhook")
    parser.add_argument(
        "--answer-in-response",
        action="store_true",
        help="with --webhook: answer presses in the webhook's HTTP response",
    )
    parser.add_argument("--database-url", help="postgresql://... (default: a SQLite file)")
    parser.add_argument(
        "--no-metrics", action="store_true", help="METRICS_PORT=0: nothing counted for /metrics"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.in_process:
        line = asyncio.run(run_in_process(args.users, args.seats, args.spread))
    else:
        line = asyncio.run(
            run(
                args.users,
                args.seats,
                args.spread,
                webhook=args.webhook,
                answer_in_response=args.answer_in_response,
                database_url=args.database_url,
                metrics=not args.no_metrics,
            )
        )
    print(line)  # a benchmark prints its figures


if __name__ == "__main__":
    main()
