"""Daphne's socket writes go out at once (portfolio_site/eager_writes.py), on real sockets.

A Twisted TCP connection over a socket pair, with a stand-in for the event loop that records when
the connection asks to be woken for writing and runs ``call_soon`` callbacks when told to turn:
stock Twisted asks on every write and sends nothing until the loop turns; patched, a connection's
first write of a turn is on the other socket before ``write`` returns, later ones in the same turn
are sent together by Twisted's buffer, and what the kernel does not take is buffered, in order.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from twisted.internet import tcp
from twisted.internet.protocol import Protocol

from portfolio_site import eager_writes
from portfolio_site.eager_writes import install


class Loop:
    """The reactor (what a connection asks of it when it writes) and its asyncio loop."""

    def __init__(self) -> None:
        self.writers: set[Any] = set()
        self.wake_ups_asked = 0
        self.soon: list[Callable[[], None]] = []
        self._asyncioEventloop = self
        self.closed = False

    def addWriter(self, writer: Any) -> None:  # Twisted names
        if writer not in self.writers:  # as twisted's asyncio reactor: registered once
            self.writers.add(writer)
            self.wake_ups_asked += 1

    def removeWriter(self, writer: Any) -> None:
        self.writers.discard(writer)

    def is_closed(self) -> bool:
        return self.closed

    def call_soon(self, callback: Callable[[], None]) -> None:
        self.soon.append(callback)

    def turn(self) -> None:
        """One loop iteration: the callbacks scheduled so far, then the writable sockets."""
        callbacks, self.soon = self.soon, []
        for callback in callbacks:
            callback()
        for writer in list(self.writers):
            writer.doWrite()


class TlsProtocol(Protocol):
    def __init__(self) -> None:
        self.encrypted: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.encrypted.append(data)


@pytest.fixture
def stock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twisted's own write, even if this process imported the ASGI app under daphne (undone after
    the test)."""
    write = tcp.Connection.write
    monkeypatch.setattr(tcp.Connection, "write", getattr(write, "twisted_write", write))


@pytest.fixture
def eager(stock: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(eager_writes, "TURNS", eager_writes._Turns())  # a fresh count per test
    install()


def connect(loop: Any) -> tuple[tcp.Connection, socket.socket]:
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    connection = tcp.Connection(ours, TlsProtocol(), reactor=loop)
    connection.connected = True
    return connection, theirs


@pytest.fixture
def pair() -> Iterator[tuple[tcp.Connection, socket.socket, Loop]]:
    loop = Loop()
    connection, theirs = connect(loop)
    yield connection, theirs, loop
    connection.socket.close()
    theirs.close()


def received(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except BlockingIOError:
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def test_stock_twisted_sends_a_write_only_when_the_loop_turns(stock: None, pair: Any) -> None:
    connection, theirs, loop = pair
    connection.write(b"tick")
    assert received(theirs) == b""
    assert loop.wake_ups_asked == 1
    loop.turn()
    assert received(theirs) == b"tick"


def test_a_write_is_sent_at_once_without_waking_the_loop(eager: None, pair: Any) -> None:
    connection, theirs, loop = pair
    for n in range(100):  # one tick per turn, as at 10 ticks/s
        connection.write(b"tick %d;" % n)
        assert received(theirs) == b"tick %d;" % n
        loop.turn()
    assert loop.wake_ups_asked == 0
    assert not loop.writers


def test_more_writes_in_the_same_turn_are_sent_together_on_the_next(eager: None, pair: Any) -> None:
    connection, theirs, loop = pair
    connection.write(b"first;")
    assert received(theirs) == b"first;"
    for n in range(50):  # a burst: ticks faster than the loop turns
        connection.write(b"tick %d;" % n)
    assert received(theirs) == b""
    assert loop.wake_ups_asked == 1  # once for the whole burst
    loop.turn()
    assert received(theirs) == b"".join(b"tick %d;" % n for n in range(50))
    assert not loop.writers
    # and in the turn after, the first write goes out at once again
    connection.write(b"next;")
    assert received(theirs) == b"next;"


def test_each_connection_gets_its_first_write_of_the_turn_at_once(eager: None) -> None:
    loop = Loop()
    pairs = [connect(loop) for _ in range(20)]
    for connection, _ in pairs:  # one tick fanned out to 20 subscribers in one pass
        connection.write(b"tick")
    assert [received(theirs) for _, theirs in pairs] == [b"tick"] * 20
    assert loop.wake_ups_asked == 0
    assert len(loop.soon) == 1  # one call_soon for the turn, not one per write
    for connection, theirs in pairs:
        connection.socket.close()
        theirs.close()


@pytest.mark.parametrize("loop_state", ["not asyncio", "closed"])
def test_without_a_running_asyncio_loop_twisted_s_path_is_kept(
    eager: None, pair: Any, loop_state: str
) -> None:
    connection, theirs, loop = pair
    if loop_state == "closed":
        loop.closed = True  # daphne shutting down
    else:
        loop._asyncioEventloop = None
    connection.write(b"tick")
    assert received(theirs) == b""
    assert loop.wake_ups_asked == 1


def test_what_the_kernel_does_not_take_is_buffered_and_sent_in_order(
    eager: None, pair: Any
) -> None:
    connection, theirs, loop = pair
    big = os.urandom(4 << 20)  # far more than a socket buffer holds
    connection.write(big)
    connection.write(b"after")  # while the rest of ``big`` waits: queued behind it
    assert loop.writers == {connection}
    got = [received(theirs)]
    assert 0 < len(got[0]) < len(big)
    while loop.writers:
        loop.turn()
        got.append(received(theirs))
    got.append(received(theirs))
    assert b"".join(got) == big + b"after"
    # once drained, the next turn's first write goes out at once again
    loop.turn()
    connection.write(b"next")
    assert received(theirs) == b"next"
    assert not loop.writers


def test_tls_closing_and_lost_connections_keep_twisted_s_path(eager: None, pair: Any) -> None:
    connection, theirs, loop = pair
    connection.TLS = True
    connection.write(b"plain")
    assert connection.protocol.encrypted == [b"plain"]
    assert received(theirs) == b""
    connection.TLS = False
    connection.disconnecting = True
    connection.write(b"last words")
    assert received(theirs) == b""
    assert loop.writers == {connection}


def test_a_write_to_a_closed_peer_is_left_to_twisted_which_reports_the_loss(
    eager: None, pair: Any
) -> None:
    connection, theirs, loop = pair
    theirs.close()
    connection.write(b"tick")
    assert loop.writers == {connection}
    assert isinstance(connection.doWrite(), Exception)  # the reactor then drops the connection


@pytest.mark.parametrize(("setting", "expected"), [("", "True"), ("false", "False")])
def test_the_asgi_application_installs_it_under_daphne(setting: str, expected: str) -> None:
    env = {**os.environ, "DAPHNE_EAGER_WRITES": setting}
    if not setting:
        env.pop("DAPHNE_EAGER_WRITES")
    code = (
        "import daphne.server, portfolio_site.asgi; from twisted.internet import tcp; "
        "print(hasattr(tcp.Connection.write, 'twisted_write'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    assert result.stdout.strip().splitlines()[-1] == expected
