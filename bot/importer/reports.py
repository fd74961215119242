"""Telling people how an import went: where each problem is, and what was written."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import Html, Translator
from bot.importer.files import (
    Issue,
    Where,
)
from bot.importer.plan import ImportSummary

# ---------------------------------------------------------------------------------------------
# Telling people
# ---------------------------------------------------------------------------------------------


def describe_where(t: Translator, where: Where, *, html: bool = True) -> str:
    say = t if html else t.button
    if where.path is not None:
        return say("import-at-path", path=where.path)
    if where.sheet is not None:
        if where.row is not None and where.column is not None:
            return say("import-at-cell", sheet=where.sheet, row=where.row, column=where.column)
        if where.row is not None:
            return say("import-at-row", sheet=where.sheet, row=where.row)
        if where.column is not None:
            return say("import-at-column", sheet=where.sheet, column=where.column)
        return say("import-at-sheet", sheet=where.sheet)
    if where.line is not None:
        return say("import-at-line", line=where.line)
    return say("import-at-file")


def describe_issue(t: Translator, issue: Issue, *, html: bool = True) -> str:
    say = t if html else t.button
    args = dict(issue.args)
    if issue.other is not None:
        args["first"] = describe_where(t, issue.other, html=False)
    problem = say(issue.key, **args)
    where = describe_where(t, issue.where, html=html)
    if html:
        return t("import-error-line", where=Html(where), problem=Html(problem))
    return t.button("import-error-line", where=where, problem=problem)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def failure_report(t: Translator, issues: Sequence[Issue], *, name: str, limit: int) -> str:
    """The error list for a chat message, cut to `limit` characters with "…and N more"."""
    text = t("import-failed", name=name, count=len(issues))
    for index, issue in enumerate(issues):
        line = "\n" + describe_issue(t, issue)
        rest = len(issues) - index
        # Room is kept for the closing line unless this is the last problem.
        tail = "" if rest == 1 else "\n" + t("import-errors-more", count=rest)
        if _utf16(text + line) + _utf16(tail) > limit:
            return text + "\n" + t("import-errors-more", count=rest)
        text += line
    return text


def summary_lines(t: Translator, summary: ImportSummary) -> list[str]:
    return [
        t.button(f"import-summary-{name}", created=counts.created, updated=counts.updated)
        for name, counts in (
            ("programmes", summary.programmes),
            ("trips", summary.trips),
            ("events", summary.events),
            ("roadmap", summary.roadmap),
        )
    ]


def success_report(t: Translator, summary: ImportSummary, *, name: str, promoted: int) -> str:
    lines = [t("import-done", name=name), *summary_lines(t, summary)]
    if promoted:
        lines.append(t("import-promoted", count=promoted))
    return "\n".join(lines)
