"""A loopback TCP proxy in front of PostgreSQL that can go silent, as a wedged load balancer or
network appliance does: `stall` keeps every connection open (the kernel still acknowledges what
is sent) but forwards nothing more, in either direction, on old or new connections; `resume`
forwards again. Bytes sent meanwhile wait in the kernel and are delivered on resume, unless
`resume(forget_stalled=True)`: then the connections open during the stall stay silent for good
(the appliance lost them) and only new ones are forwarded."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class _Pair:
    client: socket.socket
    upstream: socket.socket
    lost: bool = False
    threads: list[threading.Thread] = field(default_factory=list)


class StallingProxy:
    """Forwards 127.0.0.1:`port` to `upstream` until told to stall; see the module docstring."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._forwarding = threading.Event()
        self._forwarding.set()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._pairs: list[_Pair] = []
        self._acceptor = threading.Thread(target=self._accept, daemon=True)
        self._acceptor.start()

    def stall(self) -> None:
        """Forward nothing more, keeping every connection open."""
        self._forwarding.clear()

    def resume(self, *, forget_stalled: bool = False) -> None:
        """Forward again; with `forget_stalled`, not on the connections open until now."""
        if forget_stalled:
            with self._lock:
                for pair in self._pairs:
                    pair.lost = True
        self._forwarding.set()

    def close(self) -> None:
        self._closed.set()
        self._acceptor.join(timeout=5)
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for thread in pair.threads:
                thread.join(timeout=5)
            pair.client.close()
            pair.upstream.close()
        self._listener.close()

    def __enter__(self) -> StallingProxy:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            ready, _, _ = select.select([self._listener], [], [], 0.05)
            if not ready:
                continue
            client, _ = self._listener.accept()
            pair = _Pair(client, socket.create_connection(self._upstream))
            for source, target in ((pair.client, pair.upstream), (pair.upstream, pair.client)):
                thread = threading.Thread(
                    target=self._pump, args=(pair, source, target), daemon=True
                )
                pair.threads.append(thread)
            with self._lock:
                self._pairs.append(pair)
            for thread in pair.threads:
                thread.start()

    def _pump(self, pair: _Pair, source: socket.socket, target: socket.socket) -> None:
        while not self._closed.is_set():
            # Stalled (or lost), the bytes stay unread: the kernel acknowledges them all the same.
            if pair.lost or not self._forwarding.wait(timeout=0.05):
                self._closed.wait(timeout=0.05)
                continue
            ready, _, _ = select.select([source], [], [], 0.05)
            if not ready or pair.lost or not self._forwarding.is_set():  # stalled meanwhile
                continue
            try:
                data = source.recv(65536)
                if not data:  # this side finished: pass it on
                    target.shutdown(socket.SHUT_WR)
                    return
                target.sendall(data)
            except OSError:
                with contextlib.suppress(OSError):
                    target.shutdown(socket.SHUT_RDWR)
                return
