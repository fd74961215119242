"""The wiring: handlers receive a dozen typed names, never aiogram's whole data."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from aiogram import Router

from handlers import get_deep_links, get_routers
from handlers.kit.context import Provides
from tests.conftest import RunningBot

ROOT = Path(__file__).resolve().parent.parent
# Keyword arguments passed on to aiogram's own objects (a button's fields).
BUILDERS = {("handlers/kit/keyboards.py", "button")}
DISPATCHER_NAMES = {
    "settings",
    "translations",
    "deep_links",
    "tracker",
    "cities",
    "people",
    "staff",
    "trips",
    "events",
    "telebridges",
    "broadcasts",
    "roadmap",
    "reports",
    "delivery",
    "housekeeping",
    # For the start and the stop: what one process runs for all, and (PostgreSQL) the
    # lock that says which process that is.
    "duties",
    "leadership",
    # Operations: what /metrics counts, what /readyz checks, and their server.
    "metrics",
    "readiness",
    "health",
}


def _functions() -> list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    found = []
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        tree = ast.parse(path.read_text())
        name = str(path.relative_to(ROOT))
        found += [
            (name, node)
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
    return found


def test_handlers_take_named_typed_parameters_not_the_whole_data() -> None:
    wholesale = []
    for path, function in _functions():
        if (path, function.name) in BUILDERS or path == "handlers/kit/routing.py":
            continue
        kwarg = function.args.kwarg
        if kwarg is not None and kwarg.arg in ("data", "deps", "kwargs", "services"):
            wholesale.append(f"{path}:{function.lineno} {function.name}(**{kwarg.arg})")
        for arg in function.args.args + function.args.kwonlyargs:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if (
                arg.arg in ("data", "deps")
                and annotation.startswith("dict[str, Any]")
                and not path.startswith("handlers/kit/")  # middlewares get aiogram's data
            ):
                wholesale.append(f"{path}:{function.lineno} {function.name}({arg.arg})")
    assert not wholesale, "\n".join(wholesale)


def test_no_handler_parameter_is_a_storage_repository() -> None:
    """Handlers reach storage through their capability's object, never take a
    repository themselves (the person middleware is given the people's one)."""
    found = []
    for path, function in _functions():
        if path == "handlers/kit/middlewares.py":
            continue
        for arg in function.args.args + function.args.kwonlyargs:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if annotation.endswith("Repo") or "Repo |" in annotation:
                found.append(f"{path}:{function.lineno} {function.name}({arg.arg}: {annotation})")
    assert not found, "\n".join(found)


def test_no_handler_looks_a_service_up_by_string() -> None:
    lookups = []
    for path, function in _functions():
        if path in ("handlers/kit/middlewares.py", "handlers/kit/deeplinks.py"):
            continue
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("data", "deps")
                and isinstance(node.slice, ast.Constant)
                and node.slice.value in DISPATCHER_NAMES | {"t", "person", "access", "bot"}
            ):
                lookups.append(f"{path}:{node.lineno} {node.value.id}[{node.slice.value!r}]")
    assert not lookups, "\n".join(lookups)


def _handlers(router: Router) -> list[tuple[object, set[str]]]:
    """Each handler with the names its router's context middlewares add for it."""
    found = []
    for observer in (router.message, router.callback_query, router.errors):
        built = {m.name for m in observer.middleware if isinstance(m, Provides)}
        found += [(handler.callback, built) for handler in observer.handlers]
    for sub_router in router.sub_routers:
        found += _handlers(sub_router)
    return found


def test_every_parameter_a_handler_takes_is_there_by_name(app: RunningBot) -> None:
    """A handler's parameter that no middleware and no dispatcher name provides would
    fail only when that handler runs; here it fails at once."""
    provided = set(app.dp.workflow_data) | {
        # aiogram's own, and the bot's middlewares'
        "bot",
        "event_update",
        "event_from_user",
        "event_chat",
        "event_context",
        "state",
        "raw_state",
        "fsm_storage",
        "handler",
        "callback_answer",
        "dispatcher",
        "event_router",
        "t",
        "person",
        "access",
    }
    handlers = [handler for router in get_routers() for handler in _handlers(router)]
    # A deep link's handler is called by the dispatch (handlers/kit/deeplinks.py) with the
    # payload's argument and the names it declares; no router's context reaches it.
    links = [(handler, {"argument"}) for handler in get_deep_links().values()]
    missing = []
    for handler, built in handlers + links:
        parameters = list(inspect.signature(handler).parameters.values())  # type: ignore[arg-type]
        for parameter in parameters[1:]:  # the first is the update's message or press
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                continue
            if parameter.default is not inspect.Parameter.empty:
                continue
            # callback_data and command come from the handler's own filters (a deep link's
            # handler has none: it is called by the dispatch)
            own = set() if (handler, built) in links else {"callback_data", "command"}
            if parameter.name not in provided | built | own:
                name = f"{handler.__module__}.{handler.__qualname__}"  # type: ignore[attr-defined]
                missing.append(f"{name}: {parameter.name}")
    assert not missing, "\n".join(missing)


def test_the_dispatcher_holds_a_dozen_typed_names(app: RunningBot) -> None:
    names = set(app.dp.workflow_data)
    assert names == DISPATCHER_NAMES, names ^ DISPATCHER_NAMES


def test_statuses_and_kinds_are_declared_once_and_handlers_take_them_from_bot() -> None:
    """Statuses and kinds live in storage as StrEnums; bot re-exports the ones the
    handlers need, and no layer spells them again."""
    declared: dict[frozenset[str], list[str]] = {}
    from_storage = []
    for folder in ("bot", "handlers", "storage"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text())
            where = str(path.relative_to(ROOT))
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and any(
                    isinstance(base, ast.Name) and base.id == "StrEnum" for base in node.bases
                ):
                    values = frozenset(
                        item.value.value
                        for item in node.body
                        if isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant)
                    )
                    declared.setdefault(values, []).append(f"{where}:{node.name}")
                if (
                    folder == "handlers"
                    and isinstance(node, ast.ImportFrom)
                    and (node.module or "").startswith("storage")
                ):
                    from_storage += [
                        f"{where}: {alias.name} from {node.module}"
                        for alias in node.names
                        if alias.name.isupper() or alias.name.endswith(("Status", "Kind", "State"))
                    ]
    twice = {", ".join(names) for names in declared.values() if len(names) > 1}
    assert not twice, twice
    assert not from_storage, "\n".join(from_storage)
