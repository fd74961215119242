"""The schools and telebridges section of /mydata and /forget (see bot/people/personal_data.py).

/forget ends the person's coordinator roles (or a request to join) and clears their id
from the proposals, reports and records they made; the institutions and telebridges
stay: they belong to the schools, and held telebridges count for the roadmap.
"""

from __future__ import annotations

from bot.people.personal_data import Collected, DataSection, Erased, Subject, View
from storage.db import Writer, to_db_time
from storage.telebridge_privacy import TelebridgePrivacyRepo


class SchoolsSection(DataSection):
    key = "schools"

    def __init__(self, repo: TelebridgePrivacyRepo) -> None:
        self._repo = repo

    async def collect(self, subject: Subject, view: View) -> Collected | None:
        records = await self._repo.coordinator_records(tg_id=subject.tg_id)
        signed = await self._repo.signed(tg_id=subject.tg_id)
        if not records and not (signed.proposals or signed.reports or signed.created):
            return None
        t = view.t
        data = {
            "coordinator": [
                {
                    "institution_id": item.institution_id,
                    "name": item.name,
                    "status": item.status,
                    "since": to_db_time(item.since),
                    "registered_it": item.registered_it,
                }
                for item in records
            ],
            "telebridge_proposals": signed.proposals,
            "telebridge_reports": signed.reports,
            "telebridges_started": signed.created,
        }
        lines = [
            t(
                "mydata-coordinator",
                school=item.name,
                city=view.city(item.city_id),
                status=t.button(f"mydata-coordinator-{item.status}"),
                since=view.when(item.since),
            )
            for item in records
        ]
        lines.append(
            t(
                "mydata-telebridges",
                proposals=signed.proposals,
                reports=signed.reports,
            )
        )
        return Collected(data, tuple(lines), count=len(records) + signed.proposals)

    async def erase(self, conn: Writer, subject: Subject) -> Erased:
        roles, cleared = await self._repo.erase(conn, tg_id=subject.tg_id)
        if not roles and not cleared:
            return Erased()
        return Erased(
            erased={"forget-erased-coordinator": roles},
            kept={"forget-kept-telebridges": cleared} if cleared else {},
        )
