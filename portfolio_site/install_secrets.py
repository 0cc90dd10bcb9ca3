"""Secrets generated once per install and kept under ``VAR_DIR``: nothing in the repository signs.

Outside production, when ``SECRET_KEY`` / ``JWT_SIGNING_KEY`` are unset, settings use the keys in
``VAR_DIR/secret_keys.json``; the private Redis of ``make run`` / ``make test`` uses its
``REDIS_PASSWORD``. The first process to need them creates the file: every value random
(``secrets.token_urlsafe``), the file mode 0600 in a 0700 directory. Several processes starting at
once on a fresh clone (web, worker, beat, pytest workers) all end up with the same keys: the file
is written under a temporary name and hard-linked into place, which fails if another process got
there first (then its file is read instead), so no process ever reads a half-written file.

Production reads its keys from the environment only (see settings.py); in docker compose every
container gets the same ``.env``, so web, worker and beat sign and verify with the same keys.

Only the standard library: ``devstack`` imports this before Django is set up.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import stat
from pathlib import Path

STORE_FILE_NAME = "secret_keys.json"
# Each value: token_urlsafe(64) is 86 characters, well over Django's and our 50-character minimum.
SECRET_NAMES = ("SECRET_KEY", "JWT_SIGNING_KEY", "REDIS_PASSWORD")
_RANDOM_BYTES = 64


class InstallSecretsError(RuntimeError):
    """The keys file exists but cannot be used."""


def private_directory(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it 0700: only its owner may look inside."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != 0o700:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it does not exist yet (an existing file is tightened)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    if stat.S_IMODE(path.stat().st_mode) & 0o077:
        path.chmod(0o600)
    return path


def write_private_file_once(path: Path, content: str) -> bool:
    """Create ``path`` (mode 0600) holding ``content``, atomically; False if it already existed.

    The content goes to a unique temporary file first, which is then hard-linked to ``path``:
    ``link`` refuses to replace an existing file, so of several processes racing, exactly one wins
    and the others never see a partly written file.
    """
    private_directory(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        temporary.unlink(missing_ok=True)


def install_secrets(var_dir: Path) -> dict[str, str]:
    """This install's secrets: read ``var_dir/secret_keys.json``, creating it on first use."""
    path = Path(var_dir) / STORE_FILE_NAME
    if not path.exists():
        generated = {name: secrets.token_urlsafe(_RANDOM_BYTES) for name in SECRET_NAMES}
        write_private_file_once(path, json.dumps(generated, indent=2) + "\n")
    private_directory(path.parent)
    private_file(path)
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InstallSecretsError(
            f"{path} is unreadable ({error}); delete it to regenerate"
        ) from None
    if not isinstance(stored, dict):
        raise InstallSecretsError(f"{path} is not a JSON object; delete it to regenerate")
    missing = [name for name in SECRET_NAMES if not isinstance(stored.get(name), str)]
    if missing:
        raise InstallSecretsError(f"{path} lacks {', '.join(missing)}; delete it to regenerate")
    return {name: stored[name] for name in SECRET_NAMES}
