"""Wake another thread with the cheapest system call there is, one that drops the GIL.

Every crossing between threads in the runtime ends with one thread waking another: a
pool thread waking the event loop (`pool._Inbox`), a WSGI thread waking the loop thread
and back (`loop_thread`). A `Wakeup` is a file descriptor to block or poll on and the
write that makes it readable. The write releases the GIL around the system call, so the
woken thread can run at once; uvloop's `call_soon_threadsafe` and `Lock.release()` wake
a thread while still holding the GIL, and the woken thread first blocks on it.
"""

from __future__ import annotations

import functools
import os
import socket
import weakref
from collections.abc import Callable

__all__ = ["Wakeup"]


class Wakeup:
    """A file descriptor to block or poll on, and the cheapest write that makes it readable.

    Linux's eventfd costs about half of a socket pair's send and receive; elsewhere a
    socket pair, which every selector loop can watch (Windows' too). `read()` takes
    every pending wake-up at once (up to 4 KiB of them on a socket pair; the rest make
    the next read return at once). The descriptors close when the object is collected,
    so a late wake-up never writes to a reused descriptor number.
    """

    __slots__ = ("__weakref__", "close", "fileno", "read", "wake")

    def __init__(self, *, blocking: bool) -> None:
        self.wake: Callable[[], object]
        self.read: Callable[[], object]
        self.close: Callable[[], object]
        if hasattr(os, "eventfd"):
            fd = os.eventfd(0, os.EFD_CLOEXEC | (0 if blocking else os.EFD_NONBLOCK))
            self.fileno = fd
            self.wake = functools.partial(os.eventfd_write, fd, 1)
            self.read = functools.partial(os.eventfd_read, fd)
            self.close = weakref.finalize(self, os.close, fd)
            return
        reader, writer = socket.socketpair()
        reader.setblocking(blocking)
        writer.setblocking(False)
        self.fileno = reader.fileno()
        self.wake = functools.partial(_send_wakeup, writer)
        self.read = functools.partial(reader.recv, 4096)
        self.close = weakref.finalize(self, _close_sockets, reader, writer)


def _send_wakeup(writer: socket.socket) -> None:
    try:  # noqa: SIM105 - cheaper than contextlib.suppress, on the hot path
        writer.send(b"\0")
    except BlockingIOError:
        pass  # the socket is full of wake-ups the reader has yet to read: it will


def _close_sockets(*sockets: socket.socket) -> None:
    for sock in sockets:
        sock.close()
