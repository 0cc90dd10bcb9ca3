"""Daphne's sockets send a connection's first write of a loop turn at once.

Twisted's TCP transport buffers every ``write``, registers the socket with the event loop for
writing (an epoll modify), sends on the next turn and unregisters it (another). asyncio's own
transports, which uvicorn uses, try the send first. A tick to 1,000 websockets is 1,000 writes, so
under daphne it was 2,000 epoll modifies and a loop turn before any client got it: registering
alone was 21 % of daphne's CPU at 1,000 subscribers x 10 ticks/s, unregistering another 10-15 %,
and p99 latency 136-358 ms against uvicorn's 24 (README, Performance).

Sending every write at once is not the answer either: when ticks come faster than the loop turns,
one connection gets several frames per turn, and Twisted's buffer sends them in one syscall where
eager writes make one each (measured: 0.53 of the peer's peak throughput against Twisted's 1.00).
So ``install()`` sends a connection's *first* write of each loop turn at once and leaves any more
in the same turn to Twisted's buffer, which sends them together on the next turn. A process-wide
turn counter, advanced by one ``call_soon`` per turn in which anything was written, tells turns
apart.

Only the first-write case changes. What the kernel does not take (a full socket buffer), and any
write while something is buffered, while closing, after an error, on a TLS connection or on a
reactor that is not asyncio's, goes through Twisted's own path, so byte order, producers
(back-pressure) and connection-lost handling stay Twisted's. ``DAPHNE_EAGER_WRITES=0`` leaves
Twisted as shipped.
"""

from __future__ import annotations

from typing import Any

from twisted.internet import tcp


class _Turns:
    """Counts event-loop turns in which something was written (one ``call_soon`` per turn)."""

    def __init__(self) -> None:
        self.current = 0
        self._advancing = False

    def mark(self, loop: Any) -> int:
        """The current turn, arranging for the count to move on when the loop turns."""
        if not self._advancing:
            self._advancing = True
            loop.call_soon(self._advance)
        return self.current

    def _advance(self) -> None:
        self.current += 1
        self._advancing = False


TURNS = _Turns()


def install() -> None:
    """Patch ``twisted.internet.tcp.Connection.write`` (idempotent); ``buffered`` is Twisted's own,
    which also routes the bytes of a connection that started TLS through the TLS layer."""
    if hasattr(tcp.Connection.write, "twisted_write"):
        return
    buffered = tcp.Connection.write

    def write(self: Any, data: bytes) -> None:
        loop = getattr(self.reactor, "_asyncioEventloop", None)
        if (
            loop is not None
            and not loop.is_closed()  # shutting down: no turns to count
            and isinstance(data, bytes)
            and data
            and not self.TLS  # startTLS: the bytes go through the TLS protocol, as before
            and self.connected
            and not self.disconnecting
            and not self._writeDisconnected
            and not self._tempDataLen
            and not self.dataBuffer
        ):
            turn = TURNS.mark(loop)
            if getattr(self, "_eager_turn", None) != turn:
                self._eager_turn = turn
                sent = self.writeSomeData(data)
                if isinstance(sent, int) and sent > 0:
                    if sent >= len(data):
                        return
                    data = data[sent:]
        buffered(self, data)

    write.twisted_write = buffered  # type: ignore[attr-defined]  # marks it installed
    tcp.Connection.write = write  # type: ignore[method-assign]
