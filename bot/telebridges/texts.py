"""Telebridges and institutions in words, for cards and for the notices the bot sends.

Both sides see the time in both cities' own time: the time zones are the cities' data,
so a daylight-saving change in either city shows up where it belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.i18n import Html, Translator
from bot.telebridges.service import city_times, display_status
from storage.cities import City
from storage.institutions import Institution
from storage.telebridges import RESCHEDULED, Report, Round, Telebridge, Terms


def institution_line(t: Translator, institution: Institution, cities: dict[int, City]) -> Html:
    """ "Гимназия № 1 (Сочи)", marked when organisers have not verified it: HTML with the
    name escaped once, to be put into other texts as it is."""
    city = cities.get(institution.city_id)
    key = "school-line" if institution.verified else "school-line-unverified"
    return Html(t(key, name=institution.name, city=city.name(t.language) if city else "—"))


def institution_card(
    t: Translator, institution: Institution, cities: dict[int, City], *, coordinators: int
) -> str:
    city = cities.get(institution.city_id)
    lines = [
        t(
            "school-card-head",
            kind=t.button(f"school-kind-{institution.kind}"),
            name=institution.name,
        ),
        t("school-card-city", city=city.name(t.language) if city else "—"),
    ]
    if institution.address:
        lines.append(t("school-card-address", address=institution.address))
    lines.append(t("school-card-ages", ages=age_groups_text(t, institution.age_groups)))
    lines.append(t("school-card-coordinators", count=coordinators))
    lines.append(
        t("school-card-verified") if institution.verified else t("school-card-unverified")
    )
    return "\n".join(lines)


def age_groups_text(t: Translator, groups: tuple[str, ...]) -> str:
    return ", ".join(t.button(f"age-{group}") for group in groups)


def times_lines(
    t: Translator, starts_at: datetime, ends_at: datetime | None, cities: list[City]
) -> list[str]:
    """One line per city: `🕒 15.03.2027 10:00–10:45 (время: Сочи)`; only the start
    while the end is not chosen yet."""
    return [
        t("tb-card-when", when=when, city=city.name(t.language))
        for city, when in city_times(starts_at, ends_at, cities)
    ]


@dataclass(frozen=True, slots=True)
class TelebridgeView:
    """A telebridge with what it takes to describe it."""

    telebridge: Telebridge
    proposer: Institution
    partner: Institution | None
    cities: dict[int, City]
    latest: Round | None = None  # the proposal being decided, if any
    reports: tuple[Report, ...] = ()  # the sides' answers after it

    def side_cities(self) -> list[City]:
        ids = [self.proposer.city_id, self.telebridge.partner_city_id]
        return [self.cities[city_id] for city_id in dict.fromkeys(ids) if city_id in self.cities]

    def other(self, institution_id: int | None) -> Institution | None:
        """The side opposite to an institution (the partner for anyone else)."""
        if self.partner is not None and institution_id == self.partner.id:
            return self.proposer
        return self.partner if institution_id == self.proposer.id else self.proposer

    def title(self, t: Translator) -> str:
        return t("tb-card-head", topic=self.telebridge.topic)

    def sides(self, t: Translator) -> list[str]:
        lines = [t("tb-card-proposer", school=institution_line(t, self.proposer, self.cities))]
        if self.partner is not None:
            partner = institution_line(t, self.partner, self.cities)
            lines.append(t("tb-card-partner", school=partner))
        else:
            city = self.cities.get(self.telebridge.partner_city_id)
            lines.append(t("tb-card-open", city=city.name(t.language) if city else "—"))
        return lines

    def terms_lines(self, t: Translator, terms: Terms) -> list[str]:
        lines = times_lines(t, terms.starts_at, terms.ends_at, self.side_cities())
        lines.append(t("tb-card-duration", minutes=terms.duration_min))
        if terms.video_url:
            lines.append(t("tb-card-link", url=terms.video_url))
        else:
            lines.append(t("tb-card-no-link"))
        if terms.note:
            lines.append(t("tb-card-note", note=terms.note))
        return lines

    def proposal_text(self, t: Translator, terms: Terms) -> str:
        """What a proposal offers: the sides, the age group and these terms."""
        lines = [self.title(t), *self.sides(t)]
        lines.append(t("tb-card-age", age=t.button(f"age-{self.telebridge.age_group}")))
        lines += self.terms_lines(t, terms)
        return "\n".join(lines)

    def card_text(self, t: Translator, now: datetime) -> str:
        telebridge = self.telebridge
        status = display_status(telebridge, now)
        text = self.proposal_text(t, telebridge.terms)
        text += "\n" + t("tb-card-status", status=t.button(f"tb-status-{status}"))
        if telebridge.reason:
            text += "\n" + t("tb-card-reason", reason=telebridge.reason)
        if status == RESCHEDULED and self.latest is not None:
            new = self.latest.terms
            lines = [t("tb-card-new-time")]
            lines += times_lines(t, new.starts_at, new.ends_at, self.side_cities())
            lines.append(t("tb-card-duration", minutes=new.duration_min))
            text += "\n\n" + "\n".join(lines)
        if telebridge.round > 1:
            text += "\n" + t("tb-card-round", round=telebridge.round)
        for report in self.reports:
            side = self.proposer if report.institution_id == self.proposer.id else self.partner
            school = side.name if side else "—"
            if not report.held:
                text += "\n" + t("tb-card-report-not-held", school=school)
            elif report.text:
                text += "\n" + t("tb-card-report", school=school, report=report.text)
            else:
                text += "\n" + t("tb-card-report-held", school=school)
        return text
