"""Fixtures the site tests share with the security tests."""

from tests.security.conftest import world  # noqa: F401 (a victim and an attacker with data)
