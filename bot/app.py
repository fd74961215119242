"""Wiring: the bot, the dispatcher and their dependencies. Tests build the same objects."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage
from aiogram.fsm.storage.memory import SimpleEventIsolation

from bot.broadcasts.capability import Broadcasts
from bot.broadcasts.monitor import BroadcastMonitor
from bot.broadcasts.service import BroadcastService
from bot.core.command_menu import set_default_menus, set_personal_menu
from bot.core.config import Settings
from bot.core.deeplinks import DeepLinkRegistry
from bot.core.i18n import Translations
from bot.core.request_retry import HandlerCalls, RetryAfter
from bot.core.roles import Access
from bot.core.session import BotSession
from bot.delivery.capability import Delivery
from bot.delivery.engine import DeliveryConfig, DeliveryEngine, bot_sender
from bot.delivery.notifier import Notifier
from bot.delivery.reminders import ReminderConfig, Reminders
from bot.delivery.signals import Signals, Topic
from bot.events.capability import Events
from bot.events.privacy import SubscriptionsSection
from bot.events.service import EventNotices, EventService
from bot.importer.plan import ImportServices
from bot.importer.sandbox import ImportReader, ParseLimits
from bot.operations.health import (
    REMINDERS_AHEAD,
    HealthServer,
    Readiness,
    TelegramCalls,
    expected_schema,
)
from bot.operations.housekeeping import Housekeeping, HousekeepingConfig, RunObserver
from bot.operations.leadership import Leadership
from bot.operations.metrics import HandlerMetrics, Metrics, UpdateMetrics
from bot.people.capability import People
from bot.people.personal_data import PersonalData
from bot.people.privacy_sections import (
    ErasuresSection,
    MessagesSection,
    ProfileSection,
    ReminderOptOutsSection,
    StaffSection,
)
from bot.people.profile import ProfileService
from bot.reports.service import ReportService
from bot.roadmap.capability import Roadmap
from bot.roadmap.service import RoadmapNotices, RoadmapSection, RoadmapService
from bot.staff.audit import AuditService
from bot.staff.capability import Staff
from bot.staff.notices import StaffNotices
from bot.staff.organisers import OrganiserService
from bot.telebridges.capability import Telebridges
from bot.telebridges.notices import NoticeMarkups, TelebridgeNotices
from bot.telebridges.privacy import SchoolsSection
from bot.telebridges.service import TelebridgeService
from bot.trips.admin import TripAdminService
from bot.trips.capability import Trips
from bot.trips.notices import TripNotices
from bot.trips.privacy import RegistrationsSection
from bot.trips.registration import RegistrationService
from handlers import get_deep_links, get_routers
from handlers.broadcasts.keyboards import report_keyboard, stop_keyboard
from handlers.events.views import details_markup, reminder_markup
from handlers.kit.middlewares import (
    PersonLocks,
    PersonMiddleware,
    PopupLimitMiddleware,
    PressAnswers,
    RecentUpdates,
    RepeatFilter,
    SeenUpdates,
    ThrottlingMiddleware,
    UpdateTracker,
)
from handlers.kit.routing import handler_routers
from handlers.roadmap.views import details_markup as roadmap_details_markup
from handlers.staff.keyboards import rights_markup
from handlers.telebridges.views import details_markup as telebridge_details_markup
from handlers.telebridges.views import join_markup, proposal_markup, school_markup
from handlers.trips.registration import answers_block, decision_keyboard, trip_notice_keyboard
from storage.audit import AuditRepo
from storage.broadcasts import BroadcastRepo
from storage.cities import CityRepo
from storage.db import Database, Writer, is_postgres, utc_now
from storage.events import EventRepo
from storage.fsm import DatabaseStorage
from storage.institutions import InstitutionRepo
from storage.invites import InviteRepo
from storage.operations import ErasureRepo, JobRunRepo, outbox_depth
from storage.outbox import OutboxRepo
from storage.people import PersonRepo
from storage.privacy import PrivacyRepo
from storage.redis_state import RedisPersonLocks, RedisSeenUpdates, form_storage, open_redis
from storage.registrations import RegistrationRepo
from storage.reminders import ReminderRepo
from storage.reports import ReportRepo
from storage.roadmap import RoadmapRepo
from storage.telebridge_privacy import TelebridgePrivacyRepo
from storage.telebridges import TelebridgeRepo
from storage.trips import TripRepo

logger = logging.getLogger(__name__)
SHUTDOWN_GRACE_SECONDS = 10.0
# Python collects its youngest generation every 700 new objects. Under load a thousand
# updates are in flight, each holding its models, coroutines and dicts for a while, so
# most of what a pass walks is still alive, gets promoted and is walked again by the
# older passes: ~1 s of every 6 s of the registration bench went to the collector.
# Every 50 000 objects (and the oldest generation ten times rarer than by default) it
# was ~0.1 s. Almost everything is freed by reference counting anyway; the passes are
# only for cycles.
GC_THRESHOLDS = (50_000, 20, 10)


def create_bot(settings: Settings) -> Bot:
    api = TelegramAPIServer.from_base(
        settings.telegram_api_url, is_local=settings.telegram_api_local
    )
    session = BotSession(api=api)
    session.middleware(RetryAfter())  # a handler's reply refused with 429: once more
    return Bot(
        token=settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


@dataclass(frozen=True, slots=True)
class Services:
    db: Database
    people: PersonRepo
    cities: CityRepo
    invites: InviteRepo
    profiles: ProfileService
    organisers: OrganiserService
    trips: TripRepo
    registrations: RegistrationRepo
    registration: RegistrationService
    trip_admin: TripAdminService
    outbox: OutboxRepo
    notifier: Notifier
    trip_notices: TripNotices
    event_notices: EventNotices

    @property
    def importing(self) -> ImportServices:
        return ImportServices(
            db=self.db, registration=self.registration, event_notices=self.event_notices
        )


def create_services(
    settings: Settings,
    db: Database,
    translations: Translations | None = None,
    *,
    outbox: OutboxRepo | None = None,
    wake: Callable[[], None] | None = None,
) -> Services:
    """The services people's actions go through. `wake` tells the running delivery
    engine that notices were committed (without it, as in the command line, the running
    bot finds them within a second)."""
    translations = translations or Translations(settings.default_language)
    people = PersonRepo(db)
    cities = CityRepo(db)
    invites = InviteRepo(db)
    trips = TripRepo(db)
    registrations = RegistrationRepo(db)
    outbox = outbox or OutboxRepo(db)
    notifier = Notifier(people, translations, outbox, wake)
    organisers = OrganiserService(
        db, people, invites, settings.admin_ids, StaffNotices(people, notifier, rights_markup)
    )
    trip_notices = TripNotices(
        trips=trips,
        registrations=registrations,
        people=people,
        cities=cities,
        organisers=organisers,
        notifier=notifier,
        admin_ids=settings.admin_ids,
        decision_markup=decision_keyboard,
        trip_markup=trip_notice_keyboard,
        answers_block=answers_block,
    )
    registration = RegistrationService(db, trips, registrations, trip_notices)
    return Services(
        db=db,
        people=people,
        cities=cities,
        invites=invites,
        profiles=ProfileService(people, cities),
        organisers=organisers,
        trips=trips,
        registrations=registrations,
        registration=registration,
        trip_admin=TripAdminService(db, trips, registrations, registration, cities, trip_notices),
        outbox=outbox,
        notifier=notifier,
        trip_notices=trip_notices,
        event_notices=EventNotices(
            outbox,
            translations,
            cities,
            details_markup,
            default_zone=settings.timezone,
            wake=wake,
        ),
    )


def create_roadmap_notices(
    db: Database,
    outbox: OutboxRepo,
    translations: Translations,
    wake: Callable[[], None] | None = None,
) -> RoadmapNotices:
    """Notices of status changes to the roadmap's followers (the bot's and the import's)."""
    return RoadmapNotices(
        RoadmapRepo(db),
        outbox,
        translations,
        roadmap_details_markup,
        wake=wake,
    )


def create_reminders(
    settings: Settings,
    db: Database,
    services: Services,
    translations: Translations,
    outbox: OutboxRepo,
    delivery: DeliveryEngine,
) -> Reminders:
    return Reminders(
        ReminderRepo(db),
        outbox,
        services.cities,
        translations,
        reminder_markup,
        ReminderConfig(
            event_offsets=settings.event_reminders,
            trip_offsets=settings.trip_reminders,
            telebridge_offsets=settings.telebridge_reminders,
            default_zone=settings.timezone,
        ),
        wake_delivery=delivery.wake,
    )


def create_personal_data(settings: Settings, db: Database, services: Services) -> PersonalData:
    """The registry of personal data sections, each from its capability, in the order
    they are shown and erased (all in one transaction): the profile first, messages
    after everything that may queue one."""
    personal_data = PersonalData(
        db,
        services.people,
        services.cities,
        default_zone=settings.timezone,
        backup_days=settings.backup_keep if settings.backup_dir is not None else None,
    )
    privacy = PrivacyRepo(db)
    for section in (
        ProfileSection(privacy),
        RegistrationsSection(
            privacy, services.registrations, services.trips, services.registration
        ),
        SubscriptionsSection(privacy),
        ReminderOptOutsSection(privacy),
        StaffSection(privacy),
        MessagesSection(privacy),
        SchoolsSection(TelebridgePrivacyRepo(db)),
        RoadmapSection(RoadmapRepo(db)),
        # Last: the record that makes a restore of an older backup erase them again.
        ErasuresSection(ErasureRepo(db)),
    ):
        personal_data.add(section)
    return personal_data


def create_housekeeping(
    settings: Settings,
    db: Database,
    personal_data: PersonalData,
    notifier: Notifier,
    observe: RunObserver | None = None,
) -> Housekeeping:
    async def tell_admins(conn: Writer, reason: str) -> None:
        await notifier.tell_many(
            conn, sorted(settings.admin_ids), "backup-failed-notice", reason=reason
        )

    return Housekeeping(
        db,
        personal_data,
        HousekeepingConfig(
            database_path=settings.sqlite_file or settings.store_url,
            retention_days=settings.data_retention_days,
            backup_dir=settings.backup_dir,
            backup_keep=settings.backup_keep,
            zone=settings.timezone,
            at=time(settings.maintenance_hour, 0),
        ),
        tell_admins=tell_admins,
        observe=observe,
    )


def create_import_reader(settings: Settings) -> ImportReader:
    """Import files are parsed in child processes within these limits."""
    return ImportReader(
        ParseLimits(seconds=settings.import_time_limit, memory_mb=settings.import_memory_limit)
    )


def create_shared_state(
    settings: Settings, db: Database, bot: Bot
) -> tuple[BaseStorage, BaseEventIsolation, SeenUpdates]:
    """Forms, each person's lock and the update ids taken: in this process (one worker),
    or in Redis, shared by the workers (REDIS_URL; several workers need it)."""
    if not settings.redis_url:
        return DatabaseStorage(db), SimpleEventIsolation(), RecentUpdates()
    redis = open_redis(settings.redis_url)
    return form_storage(redis), RedisPersonLocks(redis), RedisSeenUpdates(redis, bot.id)


def create_metrics(
    settings: Settings, db: Database, bot: Bot, delivery: DeliveryEngine
) -> tuple[Metrics | None, TelegramCalls]:
    """What /metrics counts (bot/operations/metrics.py); METRICS_PORT=0: nothing."""
    metrics = Metrics() if settings.metrics_port else None
    telegram_calls = TelegramCalls(metrics)  # also tells /readyz that polling is alive
    bot.session.middleware(telegram_calls)
    if metrics is not None:
        db.query_observer = metrics.query
        delivery.observe(metrics)
        for middleware in bot.session.middleware:
            if isinstance(middleware, RetryAfter):
                middleware.on_retry = metrics.handler_retry
    return metrics, telegram_calls


def create_health(
    db: Database,
    metrics: Metrics | None,
    telegram_calls: TelegramCalls,
    duties: SenderDuties,
    leadership: Leadership | None,
) -> tuple[Readiness, HealthServer | None]:
    """/readyz's checks and the server of /healthz, /readyz and /metrics (the runner
    starts it on METRICS_HOST:METRICS_PORT)."""

    def sending_parts() -> dict[str, bool] | None:
        if leadership is not None and not leadership.leading:
            return None  # another process sends; this one only takes updates
        return {
            "delivery_engine": duties.engine.running,
            "reminders": duties.reminders.running,
            "scheduler": duties.housekeeping.running,
        }

    readiness = Readiness(db, sending_parts, telegram_calls, expected_schema=expected_schema(db))
    if metrics is None:
        return readiness, None

    async def read_gauges() -> None:
        for state, count in (await outbox_depth(db)).items():
            metrics.outbox.labels(state).set(count)
        metrics.job_runs((await JobRunRepo(db).all()).values())
        if sending_parts() is not None:
            metrics.reminders_due.set(await duties.reminders.due_within(REMINDERS_AHEAD))
            metrics.scheduler_lag.set(duties.reminders.lag_seconds)

    return readiness, HealthServer(metrics, readiness, read_gauges)


def count_updates(dp: Dispatcher, metrics: Metrics | None) -> None:
    if metrics is not None:
        # Counted as they come (a webhook's repeats already dropped), floods included.
        dp.update.outer_middleware(UpdateMetrics(metrics))
    for name, observer in dp.observers.items():
        if name not in ("update", "error"):
            # Inherited by every nested router: the capability whose handler ran.
            observer.middleware(HandlerMetrics(metrics))


def create_dispatcher(settings: Settings, db: Database, bot: Bot) -> Dispatcher:
    translations = Translations(settings.default_language)
    deep_links = DeepLinkRegistry()
    for kind, handler in get_deep_links().items():
        deep_links.register(kind, handler)
    tracker = UpdateTracker()
    throttling = ThrottlingMiddleware(settings.flood_limit, translations)
    outbox = OutboxRepo(db)
    delivery = DeliveryEngine(
        outbox,
        PersonRepo(db),
        bot_sender(bot, allow_paid_broadcast=settings.allow_paid_broadcast),
        DeliveryConfig(
            rate=settings.send_rate, allow_paid_broadcast=settings.allow_paid_broadcast
        ),
    )
    # Wake-ups for the sender: here, or in the leading worker (bot/delivery/signals.py).
    signals = Signals()
    wake = signals.delivery
    services = create_services(settings, db, translations, outbox=outbox, wake=wake)
    broadcasts = BroadcastService(BroadcastRepo(db), wake)
    broadcast_monitor = BroadcastMonitor(
        db=db,
        repo=BroadcastRepo(db),
        service=broadcasts,
        bot=bot,
        people=services.people,
        cities=services.cities,
        translations=translations,
        notifier=services.notifier,
        stop_markup=stop_keyboard,
        report_markup=report_keyboard,
        interval=settings.broadcast_progress_seconds,
        fallback_rate=settings.send_rate,
        default_zone=settings.timezone,
    )
    reminders = create_reminders(settings, db, services, translations, outbox, delivery)
    signals.bind(Topic.DELIVERY, delivery.wake)
    signals.bind(Topic.REMINDERS, reminders.poke)
    signals.bind(Topic.BROADCASTS, broadcast_monitor.wake)
    events = EventRepo(db)
    event_service = EventService(
        db,
        events,
        services.trips,
        services.cities,
        services.event_notices,
        on_change=signals.reminders,
    )
    institutions = InstitutionRepo(db)
    telebridges = TelebridgeRepo(db)
    telebridge_notices = TelebridgeNotices(
        outbox,
        translations,
        services.cities,
        institutions,
        services.people,
        NoticeMarkups(
            proposal=proposal_markup,
            details=telebridge_details_markup,
            join=join_markup,
            school=school_markup,
        ),
        admin_ids=settings.admin_ids,
        wake=wake,
    )
    telebridge_service = TelebridgeService(
        db,
        institutions,
        telebridges,
        services.cities,
        telebridge_notices,
        on_change=signals.reminders,
    )
    roadmap_repo = RoadmapRepo(db)
    roadmap_notices = create_roadmap_notices(db, outbox, translations, signals.delivery)
    audit_log = AuditService(AuditRepo(db))
    personal_data = create_personal_data(settings, db, services)
    metrics, telegram_calls = create_metrics(settings, db, bot, delivery)
    housekeeping = create_housekeeping(
        settings,
        db,
        personal_data,
        services.notifier,
        observe=metrics.job_finished if metrics is not None else None,
    )
    duties = SenderDuties(
        bot=bot,
        settings=settings,
        translations=translations,
        people=services.people,
        engine=delivery,
        reminders=reminders,
        monitor=broadcast_monitor,
        roadmap_notices=roadmap_notices,
        housekeeping=housekeeping,
    )
    leadership: Leadership | None = None
    if is_postgres(settings.store_url):
        # One sender among the processes on one database (several workers, or a second
        # bot started by mistake): the one that holds the leader's lock.
        leadership = Leadership(settings.store_url, db, duties, signals)
        delivery.check_before_each_batch(leadership.alive)
    readiness, health = create_health(db, metrics, telegram_calls, duties, leadership)
    forms, person_locks, seen = create_shared_state(settings, db, bot)
    # What the handlers receive, by name: settings and texts, the cities, and one typed
    # object per capability (bot/<capability>/capability.py).
    dp = Dispatcher(
        storage=forms,
        # One update at a time per person: two fast taps cannot race. Counted as in flight
        # and checked for a flood before it waits for the lock.
        events_isolation=PersonLocks(person_locks, tracker, throttling),
        settings=settings,
        translations=translations,
        deep_links=deep_links,
        tracker=tracker,
        cities=services.cities,
        people=People(
            repo=services.people, profiles=services.profiles, personal_data=personal_data
        ),
        staff=Staff(organisers=services.organisers, audit=audit_log),
        trips=Trips(
            repo=services.trips,
            registrations=services.registrations,
            registration=services.registration,
            admin=services.trip_admin,
            notices=services.trip_notices,
            importing=services.importing,
            import_reader=create_import_reader(settings),
        ),
        events=Events(repo=events, service=event_service),
        telebridges=Telebridges(
            institutions=institutions,
            repo=telebridges,
            service=telebridge_service,
            notices=telebridge_notices,
        ),
        broadcasts=Broadcasts(
            service=broadcasts, monitor=broadcast_monitor, wake_monitor=signals.broadcasts
        ),
        roadmap=Roadmap(
            repo=roadmap_repo,
            service=RoadmapService(db, roadmap_repo),
            notices=roadmap_notices,
        ),
        reports=ReportService(ReportRepo(db), roadmap_repo, services.cities, audit_log),
        delivery=Delivery(
            engine=delivery,
            outbox=outbox,
            notifier=services.notifier,
            reminders=reminders,
            reminder_repo=ReminderRepo(db),
            poke_reminders=signals.reminders,
        ),
        housekeeping=housekeeping,
        leadership=leadership,
        duties=duties,
        metrics=metrics,
        readiness=readiness,
        health=health,
    )
    # After aiogram's own (errors, user context, the person's lock), where aiogram puts them.
    if settings.webhook_url:
        # Telegram repeats a webhook update whose request failed; the first take counts.
        dp.update.outer_middleware(RepeatFilter(seen))
    count_updates(dp, metrics)
    dp.update.outer_middleware(tracker)
    dp.update.outer_middleware(HandlerCalls())  # its calls may be retried after a 429
    dp.errors.outer_middleware(tracker.errors)
    dp.update.outer_middleware(throttling)
    dp.update.outer_middleware(PersonMiddleware(services.people, translations, settings.admin_ids))
    answers_in_response = bool(settings.webhook_url) and settings.webhook_answer_in_response
    dp.callback_query.middleware(PressAnswers(in_response=answers_in_response))
    dp.callback_query.middleware(PopupLimitMiddleware())  # inside it: runs before the answer
    dp.include_router(handler_routers(get_routers()))
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


# How long each of the sender's parts may take to stop (the engine lets its requests in
# flight finish within SHUTDOWN_GRACE_SECONDS, a reminder sweep its batch).
DUTY_STOP_SECONDS = 20


@dataclass(slots=True)
class SenderDuties:
    """What one process runs for all: the delivery engine, the reminders, the broadcast
    monitor, the nightly jobs, and the staff's command menus. A single bot runs them from
    start to stop; of several processes on PostgreSQL, the leader does (Leadership)."""

    bot: Bot
    settings: Settings
    translations: Translations
    people: PersonRepo
    engine: DeliveryEngine
    reminders: Reminders
    monitor: BroadcastMonitor
    roadmap_notices: RoadmapNotices
    housekeeping: Housekeeping

    async def start(self) -> None:
        await self.engine.start()
        # Status changes whose notices a stop cut short: the followers not told yet are told.
        await self.roadmap_notices.resume(now=utc_now())
        # After the engine: reminders missed while the bot was down are queued right away.
        await self.reminders.start()
        await self.monitor.start()
        await self.housekeeping.start()
        await set_default_menus(self.bot, self.translations)
        settings = self.settings
        staff = {person.tg_id: person for person in await self.people.list_organisers()}
        for tg_id in settings.admin_ids | staff.keys():
            person = staff.get(tg_id) or await self.people.get(tg_id=tg_id)
            access = Access.ADMIN if tg_id in settings.admin_ids else Access.ORGANISER
            t = self.translations.get(person.language if person else None)
            await set_personal_menu(self.bot, t, chat_id=tg_id, access=access)
        logger.info("Sender started: %d staff menus set", len(settings.admin_ids | staff.keys()))

    async def stop(self) -> None:
        # The engine first: a deposed leader sends nothing more while a nightly job or a
        # sweep finishes. Messages in flight get their answers recorded. Each part stops
        # even when another failed to.
        for part, stopping in (
            ("delivery engine", lambda: self.engine.stop(SHUTDOWN_GRACE_SECONDS)),
            ("broadcast monitor", self.monitor.stop),
            ("nightly jobs", self.housekeeping.stop),
            ("reminders", self.reminders.stop),
        ):
            try:
                # Bounded: a stop never hangs on one part, and the log names the part.
                await asyncio.wait_for(stopping(), DUTY_STOP_SECONDS)
            except TimeoutError:
                logger.error("The %s did not stop in %d s; left as it is", part, DUTY_STOP_SECONDS)
            except Exception:
                logger.exception("The %s did not stop cleanly", part)


async def on_startup(duties: SenderDuties, leadership: Leadership | None) -> None:
    if leadership is None:
        await duties.start()
    else:
        # Leads now if no other process does; otherwise takes over when the leader stops.
        await leadership.start()
    # What exists now (modules, aiogram's and pydantic's models, the routers) lives as long
    # as the process. Frozen, it is left out of the garbage collector's passes, which
    # otherwise walk all of it again and again under load.
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


async def on_shutdown(
    tracker: UpdateTracker, duties: SenderDuties, leadership: Leadership | None
) -> None:
    # Polling has stopped; let handlers in flight finish before the database closes,
    # then let messages in flight get their answers recorded. A worker that is stopping
    # does not take the lead meanwhile (all of them are stopping, as a rule).
    if leadership is not None:
        await leadership.stop_trying()
    if not await tracker.wait_idle(SHUTDOWN_GRACE_SECONDS):
        logger.warning("Some updates were still being handled at shutdown")
    if leadership is None:
        await duties.stop()
    else:
        await leadership.stop()
