"""Translations: both languages complete, every key the code uses exists, plural forms."""

from __future__ import annotations

import re
from pathlib import Path

from bot.broadcasts.service import SegmentKind
from bot.core.command_menu import ADMIN_COMMANDS, MEMBER_COMMANDS, ORGANISER_COMMANDS
from bot.core.i18n import LANGUAGES, Translations, load_message_ids
from bot.core.roles import MemberRole
from bot.events.privacy import SubscriptionsSection
from bot.events.service import EventKind
from bot.people.privacy_sections import (
    MessagesSection,
    ProfileSection,
    ReminderOptOutsSection,
    StaffSection,
)
from bot.people.profile import ProfileField
from bot.reports.figures import EventState
from bot.roadmap.service import RoadmapSection, RoadmapStatus
from bot.staff.audit import Action, ObjectKind
from bot.telebridges.service import AgeGroup, InstitutionKind
from bot.trips.catalogue import Direction, TripStatus
from bot.trips.exports import COLUMNS, GUARDIAN_COLUMNS
from bot.trips.privacy import RegistrationsSection
from bot.trips.questions import QuestionKind
from bot.trips.registration import RegStatus
from handlers.events.admin import SKIPPABLE, STEPS
from handlers.events.callbacks import EventField
from handlers.kit.callbacks import MenuItem
from handlers.telebridges.form import COUNTER, NEW, RESCHEDULE
from handlers.trips.callbacks import TripAction, TripScope
from storage.roadmap import LinkKind

ROOT = Path(__file__).resolve().parent.parent
_LITERAL_KEY = re.compile(r"""\bt(?:\.button)?\(\s*"([a-z0-9-]+)"|UserError\(\s*"([a-z0-9-]+)\"""")


def test_both_languages_have_the_same_keys() -> None:
    ru, be = load_message_ids("ru"), load_message_ids("be")
    assert ru, "no Russian texts"
    assert ru - be == set(), f"missing in be: {sorted(ru - be)}"
    assert be - ru == set(), f"missing in ru: {sorted(be - ru)}"


def test_every_key_used_in_code_exists() -> None:
    used: set[str] = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py")]:
        for match in _LITERAL_KEY.finditer(path.read_text("utf-8")):
            used.add(match[1] or match[2])
    # Keys built from enums and results.
    used |= {f"role-{role.value}" for role in MemberRole}
    used |= {f"btn-edit-{field.value}" for field in ProfileField}
    used |= {f"profile-ask-{field.value}" for field in ProfileField}
    used |= {f"menu-{item.value}" for item in MenuItem}
    used |= {f"cmd-{c}" for c in (*MEMBER_COMMANDS, *ORGANISER_COMMANDS, *ADMIN_COMMANDS)}
    used |= {f"language-{code}" for code in LANGUAGES}
    used |= {f"direction-{d.value}" for d in Direction}
    used |= {f"trip-status-{s.value}" for s in TripStatus}
    used |= {f"reg-status-{s.value}" for s in RegStatus}
    used |= {
        f"reg-result-{s.value}"
        for s in (RegStatus.APPROVED, RegStatus.PENDING, RegStatus.WAITLISTED)
    }
    used |= {f"trip-my-status-{s}" for s in ("pending", "approved", "waitlisted")}
    used |= {
        f"trip-action-{a.value}"
        for a in TripAction
        if a not in (TripAction.OPEN, TripAction.REGISTER)
    }
    used |= {f"reg-hint-{k.value}" for k in QuestionKind}
    used |= {
        f"trips-{kind}-{scope.value}"
        for kind in ("list", "empty", "switch")
        for scope in TripScope
    }
    used |= {f"event-kind-{kind.value}" for kind in EventKind}
    used |= {f"event-month-{month}" for month in range(1, 13)}
    used |= {f"event-field-{field.value}" for field in EventField}
    used |= {f"event-ask-{(step.state or '').split(':')[-1]}" for step in STEPS}
    used |= {f"event-skip-{(step.state or '').split(':')[-1]}" for step in SKIPPABLE}
    used |= {f"reminder-in-{unit}" for unit in ("days", "hours", "minutes", "seconds")}
    used |= {f"audit-action-{action.value}" for action in Action}
    used |= {f"audit-object-{kind.value}" for kind in ObjectKind}
    used |= {f"export-col-{name}" for name in (*COLUMNS, *GUARDIAN_COLUMNS)}
    sections = (
        ProfileSection,
        RegistrationsSection,
        SubscriptionsSection,
        ReminderOptOutsSection,
        StaffSection,
        MessagesSection,
        RoadmapSection,
    )
    used |= {f"mydata-section-{s.key}{end}" for s in sections for end in ("", "-short")}
    used |= {f"mydata-purpose-{purpose}" for purpose in ("notice", "reminder", "broadcast")}
    privacy = (ROOT / "bot" / "people" / "privacy_sections.py").read_text("utf-8")
    used |= set(re.findall(r"\"(forget-[a-z-]+)\"", privacy))
    used |= {f"mydata-label-{name}" for name in re.findall(r"_line\(t, \"([a-z]+)\"", privacy)}
    used |= {f"bc-kind-{kind.value}" for kind in SegmentKind}
    used |= {f"school-{key}-{kind.value}" for key in ("kind", "kinds") for kind in InstitutionKind}
    used |= {f"{key}-{group.value}" for key in ("age", "age-short") for group in AgeGroup}
    statuses = ("proposed", "confirmed", "rescheduled", "declined", "cancelled", "held")
    statuses += ("not_held",)
    used |= {f"tb-error-state-{status}" for status in statuses}
    used |= {f"tb-{key}-{status}" for key in ("status", "mark") for status in statuses}
    used |= {f"tb-{key}-{status}" for key in ("status", "mark") for status in ("expired", "ended")}
    used |= {
        f"tb-{key}-{mode}" for key in ("preview", "sent") for mode in (NEW, COUNTER, RESCHEDULE)
    }
    used |= {f"roadmap-{key}-{s.value}" for key in ("status", "mark") for s in RoadmapStatus}
    used |= {f"roadmap-pick-{k.value}{end}" for k in LinkKind for end in ("", "-none")}
    used |= {"audit-object-roadmap", "audit-object-report"}
    used |= {f"report-event-{state}" for state in EventState.ALL}
    used |= {f"report-reach-{key}" for key in ("recipients", "delivered", "unreachable", "failed")}
    chart = (ROOT / "bot" / "reports" / "chart.py").read_text("utf-8")
    block = chart[chart.index("for key in (") : chart.index(")\n    }")]
    used |= {f"report-chart-{key}" for key in re.findall(r'"([a-z-]+)"', block)}
    table = (ROOT / "bot" / "reports" / "xlsx.py").read_text("utf-8")
    used |= set(re.findall(r'col\("([a-z0-9-]+)"', table))
    for language in LANGUAGES:
        missing = used - load_message_ids(language)
        assert not missing, f"{language}: {sorted(missing)}"


def test_plural_forms_come_from_the_library() -> None:
    translations = Translations()
    ru, be = translations.get("ru"), translations.get("be")
    assert "1 символ," in ru("error-text-too-long", length=1, limit=100)
    assert "3 символа," in ru("error-text-too-long", length=3, limit=100)
    assert "11 символов," in ru("error-text-too-long", length=11, limit=100)
    assert "22 символа," in ru("error-text-too-long", length=22, limit=100)
    assert "21 сімвал," in be("error-text-too-long", length=21, limit=100)
    assert "300 сімвалаў," in be("error-text-too-long", length=300, limit=100)


def test_arguments_are_escaped_in_messages_but_not_in_buttons() -> None:
    t = Translations().get("ru")
    assert "&lt;b&gt;" in t("onb-done", name="<b>")
    assert t.button("btn-use-telegram-name", name="<b>") == "Использовать: <b>"
