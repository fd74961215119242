"""What the roadmap capability offers the handlers: one object, built in bot/app.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.roadmap.service import RoadmapNotices, RoadmapService
from storage.roadmap import RoadmapRepo


@dataclass(frozen=True, slots=True)
class Roadmap:
    repo: RoadmapRepo  # items and their history, as the screens read them
    service: RoadmapService
    notices: RoadmapNotices  # followers told of status changes
