"""An argparse parser that speaks Russian: headings, `-h`, usage and every error.

argparse writes its own words in English ("usage:", "positional arguments", "invalid
choice"). Headings and `-h` are set here through argparse's public options (argument
groups with titles, `add_help=False` and a help action of our own); its error messages are
recognised and said again in Russian, and one it does not know is never shown in English.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

USAGE = "Использование: "
OPTIONS = "параметры"
ARGUMENTS = "аргументы"
COMMANDS = "команды"
COMMAND = "КОМАНДА"  # the subcommand's metavar


class RussianHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[Any],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


def _names(text: str) -> str:
    """`'run', 'migrate'` or `run, migrate` -> `run, migrate`."""
    return ", ".join(part.strip().strip("'\"") for part in text.split(","))


_TYPES = {"int": "целое число", "float": "число"}

# argparse's messages (3.11-3.13) and what they mean, in Russian.
_ERRORS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^the following arguments are required: (?P<names>.+)$"),
        lambda m: f"не хватает аргументов: {m['names']}",
    ),
    (
        re.compile(
            r"^argument (?P<arg>[^:]+): invalid choice: '?(?P<value>.*?)'?"
            r" \(choose from (?P<choices>.+)\)$"
        ),
        lambda m: (
            f"нет команды «{m['value']}», есть: {_names(m['choices'])}"
            if m["arg"] == COMMAND
            else f"{m['arg']}: нет значения «{m['value']}», есть: {_names(m['choices'])}"
        ),
    ),
    (
        re.compile(r"^argument (?P<arg>[^:]+): invalid (?P<type>\w+) value: '?(?P<value>.*?)'?$"),
        lambda m: f"{m['arg']}: «{m['value']}» — не {_TYPES.get(m['type'], 'то, что нужно')}",
    ),
    (
        re.compile(r"^argument (?P<arg>[^:]+): expected one argument$"),
        lambda m: f"после {m['arg']} нужно значение",
    ),
    (
        re.compile(r"^argument (?P<arg>[^:]+): expected .+$"),
        lambda m: f"{m['arg']}: не столько значений, сколько нужно",
    ),
    (
        re.compile(r"^unrecognized arguments: (?P<args>.+)$"),
        lambda m: f"лишние аргументы: {m['args']}",
    ),
    (
        re.compile(r"^ambiguous option: (?P<option>\S+) could match (?P<matches>.+)$"),
        lambda m: f"параметр {m['option']} неоднозначен, подходят: {m['matches']}",
    ),
    (
        re.compile(r"^argument (?P<arg>[^:]+): not allowed with argument (?P<other>.+)$"),
        lambda m: f"{m['arg']} нельзя указывать вместе с {m['other']}",
    ),
    (
        re.compile(r"^argument (?P<arg>[^:]+): ignored explicit argument (?P<value>.+)$"),
        lambda m: f"{m['arg']} не принимает значения ({m['value']})",
    ),
)


def in_russian(message: str) -> str:
    """argparse's error message said in Russian; an unknown one, without its English."""
    for pattern, say in _ERRORS:
        match = pattern.match(message)
        if match:
            return say(match)
    return "не удалось разобрать"


class RussianParser(argparse.ArgumentParser):
    """A wrong argument: one Russian line (naming the argument) and exit code 2.

    Arguments go into `self.arguments` and `self.options` (groups with Russian headings);
    subcommands into `add_subparsers(title=COMMANDS, ...)`, whose parsers are of this class.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", RussianHelpFormatter)
        kwargs["add_help"] = False  # argparse's own -h says "show this help message and exit"
        super().__init__(*args, **kwargs)
        self.arguments = self.add_argument_group(ARGUMENTS)
        self.options = self.add_argument_group(OPTIONS)
        self.options.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="показать эту справку и выйти",
        )

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"Неверные аргументы: {in_russian(message)}. Справка: {self.prog} --help\n")
