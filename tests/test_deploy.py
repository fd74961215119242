"""The deployment files in deploy/: the systemd unit, the image and the compose file.

No Docker engine runs on these machines, so the image and the compose file are checked by
their structure (and the compose environment by the bot's own settings); the unit is also
given to `systemd-analyze verify` where that tool is installed.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot.core.config import Settings
from bot.operations.workers import STOP_GRACE
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNIT = DEPLOY / "pobratim.service"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
CADDYFILE = DEPLOY / "Caddyfile"
README = ROOT / "README.md"
# The bot's own shutdown: the updates in flight, each part of the sender, the workers.
MIN_STOP_SECONDS = 40
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|DSN", re.IGNORECASE)
# The whole value is one interpolation: ${NAME}, ${NAME:?message}, ${NAME:-default}...
INTERPOLATION = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
# What the README tells the operator to put into deploy/.env besides .env.example.
COMPOSE_VARIABLES = {
    "POBRATIM_DOMAIN": "bot.example.ru",
    "POSTGRES_PASSWORD": "not-a-real-password",
    "BOT_TOKEN": TOKEN,
    "WEBHOOK_SECRET": "not-a-real-secret",
}


# --- readers -------------------------------------------------------------------------


def unit_entries(text: str) -> list[tuple[str, str, str]]:
    """(section, key, value) of a systemd unit in file order; keys may repeat."""
    entries: list[tuple[str, str, str]] = []
    section = ""
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line[0] in "#;"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        key, equals, value = line.partition("=")
        assert equals, f"not a key=value line in the unit: {line!r}"
        entries.append((section, key.strip(), value.strip()))
    return entries


def unit_values(key: str, section: str = "Service") -> list[str]:
    entries = unit_entries(UNIT.read_text("utf-8"))
    return [value for where, name, value in entries if where == section and name == key]


def unit_value(key: str, section: str = "Service") -> str:
    """The value systemd uses: the last assignment."""
    values = unit_values(key, section)
    assert values, f"{key}= is missing from [{section}] of {UNIT.name}"
    return values[-1]


def unit_environment() -> dict[str, str]:
    pairs = (item.partition("=") for value in unit_values("Environment") for item in value.split())
    return {name: value for name, _, value in pairs}


def seconds(duration: str) -> float:
    """A systemd or compose duration: `90`, `90s`, `1min 30s`, `1m30s`, `2h`."""
    units = {"": 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*(ms|min|sec|s|m|h|)", duration.strip())
    assert parts, f"not a duration: {duration!r}"
    assert re.fullmatch(r"(\s*\d+(\.\d+)?\s*(ms|min|sec|s|m|h)?)+\s*", duration), duration
    return sum(float(number) * units[unit] for number, unit in parts)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in DOCKERFILE.read_text("utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        name, _, arguments = line.partition(" ")
        instructions.append((name.upper(), arguments.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile(name: str) -> list[str]:
    return [arguments for found, arguments in dockerfile_instructions() if found == name]


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the repository) out of the build
    context: the last pattern that matches the path or a folder above it decides."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text("utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for line in patterns:
        negated = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        candidates = [pattern]
        if pattern.startswith("**/"):
            candidates.append(pattern[3:])
        if any(fnmatch.fnmatchcase(p, c) for p in prefixes for c in candidates):
            ignored = not negated
    return ignored


def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE.read_text("utf-8"))
    assert isinstance(document, dict)
    return document


def service(name: str) -> dict[str, Any]:
    services = compose()["services"]
    assert name in services, f"no service {name!r} in {COMPOSE.name}"
    return services[name]


def environment(definition: dict[str, Any]) -> dict[str, str]:
    """A service's `environment:` as a mapping (it may be written as a list)."""
    value = definition.get("environment") or {}
    if isinstance(value, list):
        value = dict(item.partition("=")[::2] for item in value)
    return {str(key): "" if item is None else str(item) for key, item in value.items()}


def interpolate(value: str, variables: dict[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        name, operator, argument = match.groups()
        present = variables.get(name)
        if operator in (":?", "?"):
            assert present, f"{name} is required by {COMPOSE.name} and was not given"
        if operator in (":-", "-") and not present:
            return argument
        return present or ""

    return INTERPOLATION.sub(one, value)


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of an env file such as .env.example (comments and blanks skipped)."""
    pairs = {}
    for line in path.read_text("utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def healthcheck_command(definition: dict[str, Any]) -> str:
    test = definition["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def readme_section(title: str) -> str:
    text = README.read_text("utf-8")
    heading = f"\n## {title}\n"
    assert heading in text, f"README has no section «{title}»"
    return text.split(heading, 1)[1].split("\n## ", 1)[0]


def written_secret(name: str, value: str) -> bool:
    """A setting named like a secret whose value is written out, not `${...}`."""
    return bool(SECRET_NAME.search(name) and value and not INTERPOLATION.fullmatch(value))


def secrets_in(node: Any, where: str = "") -> list[str]:
    """Places where a setting named like a secret has a value that is not wholly an
    interpolation `${...}` (a `KEY=VALUE` list item or a mapping entry), and URLs with a
    password written into them."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{where}.{key}"
            if isinstance(value, str | int | float) and written_secret(str(key), str(value)):
                found.append(here)
            found += secrets_in(value, here)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += secrets_in(item, f"{where}[{index}]")
    elif isinstance(node, str):
        name, equals, value = node.partition("=")
        if equals and written_secret(name, value):
            found.append(where)
        if re.search(r"://[^/\s:@]*:[^/\s@$]+@", node):
            found.append(f"{where} (a password in a URL)")
    return found


# --- compose.yaml ----------------------------------------------------------------------


def test_compose_runs_the_bot_with_postgres_redis_and_a_tls_proxy() -> None:
    assert {"bot", "postgres", "redis", "caddy"} <= set(compose()["services"])


def test_every_service_but_the_proxy_checks_its_health() -> None:
    for name, definition in compose()["services"].items():
        if name == "caddy":
            continue
        check = definition.get("healthcheck")
        assert check, f"service {name} has no healthcheck"
        assert not check.get("disable"), f"service {name} has its healthcheck disabled"
        assert check.get("test"), f"service {name}'s healthcheck has no test"
    assert "pg_isready" in healthcheck_command(service("postgres"))
    assert "ping" in healthcheck_command(service("redis"))


def test_the_bot_is_healthy_when_its_readyz_answers_on_its_metrics_port() -> None:
    bot = service("bot")
    command = healthcheck_command(bot)
    url = re.search(r"http://[^'\"\s]+", command)
    assert url, command
    assert urlsplit(url[0]).path == "/readyz"
    assert urlsplit(url[0]).port == int(environment(bot)["METRICS_PORT"])
    # Python's urlopen raises on 503: the check fails when the bot is not ready.
    assert "urlopen" in command


def test_the_bot_starts_when_postgres_and_redis_are_healthy() -> None:
    depends = service("bot")["depends_on"]
    assert isinstance(depends, dict), "depends_on needs conditions (service_healthy)"
    for name in ("postgres", "redis"):
        assert depends[name]["condition"] == "service_healthy", name


def test_the_bots_environment_is_settings_the_bot_accepts_with_several_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The container's environment: deploy/.env (a copy of .env.example with the
    operator's values) under the compose file's own `environment:`."""
    bot = service("bot")
    assert bot["env_file"] in (".env", [".env"]), "the README tells to create deploy/.env"
    container = env_file(ROOT / ".env.example") | COMPOSE_VARIABLES
    variables = dict(container)
    for name, value in environment(bot).items():
        container[name] = interpolate(value, variables)
    for name, value in container.items():
        monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    # Validation refuses several workers without a webhook, PostgreSQL and Redis.
    assert settings.workers > 1
    assert settings.sqlite_file is None
    assert urlsplit(settings.database_url or "").hostname == "postgres"
    assert urlsplit(settings.redis_url or "").hostname == "redis"
    assert urlsplit(settings.webhook_url or "").hostname == COMPOSE_VARIABLES["POBRATIM_DOMAIN"]
    # The password is not in the URL: asyncpg and pg_dump read PGPASSWORD.
    assert urlsplit(settings.database_url or "").password is None
    assert container["PGPASSWORD"] == COMPOSE_VARIABLES["POSTGRES_PASSWORD"]
    assert environment(service("postgres"))["POSTGRES_PASSWORD"] == environment(bot)["PGPASSWORD"]
    # Reachable from the compose network (not published), and the backups in the volume.
    assert settings.metrics_host == "0.0.0.0"
    assert "ports" not in bot
    assert settings.backup_dir is not None
    volume_targets = [item.split(":")[1] for item in bot["volumes"]]
    assert any(settings.backup_dir.is_relative_to(target) for target in volume_targets)


def test_the_bot_gets_time_to_stop_gracefully() -> None:
    bot = service("bot")
    assert seconds(bot["stop_grace_period"]) > MIN_STOP_SECONDS
    assert bot.get("init") is True, "tini forwards SIGTERM and reaps the bot's children"


def test_caddy_serves_https_and_passes_only_the_webhook_path_to_the_bot() -> None:
    caddy = service("caddy")
    published = [str(port).split(":")[-2:] for port in caddy["ports"]]
    assert ["443", "443"] in published
    assert ["80", "80"] in published, "Let's Encrypt checks the domain on port 80"
    assert any(str(item).startswith("./Caddyfile:") for item in caddy["volumes"])
    assert "${POBRATIM_DOMAIN" in environment(caddy)["POBRATIM_DOMAIN"]

    bot = environment(service("bot"))
    webhook = urlsplit(interpolate(bot["WEBHOOK_URL"], COMPOSE_VARIABLES))
    assert webhook.scheme == "https"
    assert webhook.port in (None, 443)
    text = CADDYFILE.read_text("utf-8")
    assert re.search(r"^\{\$POBRATIM_DOMAIN\}\s*\{", text, re.MULTILINE)
    route = re.search(r"handle\s+(\S+)\s*\{\s*reverse_proxy\s+(\S+)\s*\}", text)
    assert route, "the Caddyfile proxies no path to the bot"
    assert route[1] == webhook.path
    assert route[2] == f"bot:{bot['WEBHOOK_PORT']}"


def test_the_compose_file_holds_no_secret() -> None:
    # The check itself: it finds a literal token, password and DSN.
    planted = {
        "environment": {"BOT_TOKEN": "123:AAE", "SENTRY_DSN": "https://k@sentry"},
        "other": ["POSTGRES_PASSWORD=hunter2", "WEBHOOK_SECRET=${WEBHOOK_SECRET}"],
        "url": "postgresql://pobratim:hunter2@postgres/pobratim",
    }
    assert len(secrets_in(planted)) == 4

    assert secrets_in(compose()) == []
    text = COMPOSE.read_text("utf-8")
    assert not re.search(r"BOT_TOKEN\s*[:=]", text), "the token belongs in deploy/.env"
    assert dockerignored("deploy/.env"), "the image must not carry the settings with secrets"


# --- Dockerfile ------------------------------------------------------------------------


def test_the_image_is_slim_python_and_runs_as_a_user_of_its_own() -> None:
    (base,) = dockerfile("FROM")
    assert re.fullmatch(r"python:3\.\d+-slim(-\w+)?", base), base
    users = dockerfile("USER")
    assert users, "no USER: the bot would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    # The user is created in the image, before it is switched to.
    runs = " ".join(dockerfile("RUN"))
    assert re.search(rf"useradd\b[^&]*\b{re.escape(users[-1].split(':')[0])}\b", runs)


def test_the_image_checks_readiness_and_starts_the_bot() -> None:
    (check,) = dockerfile("HEALTHCHECK")
    assert "/readyz" in check
    assert "127.0.0.1:9464" in check
    (cmd,) = dockerfile("CMD")
    assert json.loads(cmd)[:3] == ["python", "-m", "bot"]


def test_the_image_has_the_migrations_beside_the_code() -> None:
    """storage/migrate.py reads migrations/ one folder above the storage package: the code
    stays in the build folder (an editable install) and migrations/ is in the context."""
    (workdir,) = dockerfile("WORKDIR")
    copies = [arguments.split() for arguments in dockerfile("COPY")]
    assert [".", workdir] in copies or [".", workdir + "/"] in copies, copies
    runs = " ".join(dockerfile("RUN"))
    assert re.search(r"pip install\b[^&]*\s-e\s", runs), "the install must be editable (-e)"
    for path in ("migrations/0001_init.sql", "bot/locales/ru", "pyproject.toml", "README.md"):
        assert not dockerignored(path), f".dockerignore leaves out {path}"
    for path in (".env", "data/pobratim.sqlite3", ".git/config", ".venv/bin/python"):
        assert dockerignored(path), f".dockerignore lets {path} into the image"


def test_the_image_keeps_the_database_in_a_volume() -> None:
    settings = dict(
        pair.split("=", 1) for arguments in dockerfile("ENV") for pair in arguments.split()
    )
    (volume,) = (json.loads(arguments) for arguments in dockerfile("VOLUME"))
    assert Path(settings["DATABASE_PATH"]).parent == Path(volume[0])
    assert Path(settings["BACKUP_DIR"]).is_relative_to(volume[0])


# --- systemd unit ----------------------------------------------------------------------


def test_the_unit_restarts_on_failure_but_not_on_bad_settings() -> None:
    assert unit_value("Restart") == "on-failure"
    assert "2" in unit_value("RestartPreventExitStatus").split()


def test_the_unit_gives_the_bot_time_to_stop() -> None:
    timeout = seconds(unit_value("TimeoutStopSec"))
    assert timeout > MIN_STOP_SECONDS
    assert timeout > STOP_GRACE
    assert unit_value("KillSignal") == "SIGTERM"


def test_the_unit_keeps_its_data_in_its_state_directory() -> None:
    state = Path("/var/lib") / unit_value("StateDirectory").split()[0]
    env = unit_environment()
    assert Path(env["DATABASE_PATH"]).parent == state
    assert Path(env["BACKUP_DIR"]).is_relative_to(state)
    assert unit_value("StateDirectoryMode") == "0700"
    assert unit_value("UMask") == "0077", "backups hold personal data"
    assert unit_value("EnvironmentFile").startswith("/etc/")
    assert unit_value("User") not in ("root", "0")


def test_the_unit_is_hardened() -> None:
    expected = {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
    }
    assert {key: unit_value(key) for key in expected} == expected


def test_the_unit_runs_the_bot_from_the_install_path_the_readme_names() -> None:
    home = unit_value("WorkingDirectory")
    assert unit_value("ExecStart") == f"{home}/.venv/bin/python -m bot run"
    section = readme_section("Развёртывание")
    assert re.search(rf"git clone \S+ {re.escape(home)}\b", section)
    assert f"python3 -m venv {home}/.venv" in section or "python3 -m venv .venv" in section
    assert "cp deploy/pobratim.service /etc/systemd/system/" in section
    assert unit_value("EnvironmentFile") in section


def verify(unit: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def complaints(result: subprocess.CompletedProcess[str], unit: Path) -> list[str]:
    """Its lines about this unit (it may also warn about the machine's own units)."""
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if unit.name in line]


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze not installed: the unit was checked only by its keys")
    # It checks that ExecStart's program exists: this machine's Python stands for the venv's.
    text = UNIT.read_text("utf-8")
    python = f"{unit_value('WorkingDirectory')}/.venv/bin/python"
    assert python in text
    unit = tmp_path / UNIT.name
    unit.write_text(text.replace(python, sys.executable), "utf-8")

    # Controls: a minimal unit passes (else the tool cannot work on this machine at all)
    # and an unknown key is reported (else silence would prove nothing).
    plain = tmp_path / "control.service"
    plain.write_text(f"[Service]\nExecStart={sys.executable} -c pass\n", "utf-8")
    baseline = verify(plain)
    if baseline.returncode != 0 or complaints(baseline, plain):
        first = (baseline.stderr or baseline.stdout).strip().splitlines()[:1]
        pytest.skip(f"systemd-analyze cannot verify units on this machine: {first}")
    wrong = tmp_path / "wrong.service"
    wrong.write_text(f"[Service]\nExecStart={sys.executable} -c pass\nNoSuchKey=1\n", "utf-8")
    assert complaints(verify(wrong), wrong), "systemd-analyze did not report an unknown key"

    result = verify(unit)
    assert result.returncode == 0, result.stderr
    assert complaints(result, unit) == []
