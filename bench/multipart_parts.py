"""Measure what a multipart body made of many small parts costs: `python -m bench.multipart_parts`.

Under the default limits: one 42 MiB file and one 100 MiB file (the largest the byte
limits allow) as baselines, then bodies of about 42 MiB each made of a million parts with
no `name`, a million file parts with `filename=""`, parts with no headers at all (as many
as fit), one part with a million headers, one part whose single header is the whole
body, and parts whose Content-Disposition carries 4,000 `;`. Then, with the field and
file counts switched off, what `data_upload_max_number_parts` alone lets through.

Each body is fed to `BodyReader` in 64 KiB chunks in this process (CPU time of the feeding
thread, which under a server is the event loop), then POSTed once to a real `legato run`
server on 127.0.0.1 with the same limits (CPU time of the server process, read from
/proc, wall time to the first byte of the answer, and its status).
`--in-process` skips the server. Run it under the benchmark lock
(`flock /tmp/legato-bench.lock python -m bench.multipart_parts`) so nothing else shares
the cores.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from legato import App
from legato.exceptions import BadRequest, SuspiciousOperation
from legato.http import HttpRequest, JsonResponse
from legato.http.body import BodyReader, RequestLimits
from legato.http.multipart import MAX_HEADER_PARAMETERS
from legato.urls import path

__all__ = ["BODIES", "app", "main"]

BOUNDARY = "b"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
SIZE = 42 * 1024 * 1024
PARTS = 1_000_000
CHUNK = 65536
ROOT = Path(__file__).resolve().parent.parent


def _closed(parts: bytes) -> bytes:
    return parts + f"--{BOUNDARY}--\r\n".encode()


def one_file(size: int = SIZE) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + b"x" * (size - len(head) - len(tail)) + tail


def unnamed_parts() -> bytes:
    part = f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\n".encode()
    # Padded with part data so that a million parts make about 42 MiB.
    padding = b"x" * max(SIZE // PARTS - len(part) - 2, 0)
    return _closed((part + padding + b"\r\n") * PARTS)


def empty_filename_parts() -> bytes:
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename=""\r\n\r\n\r\n'
    return _closed(part.encode() * PARTS)


def headerless_parts() -> bytes:
    part = f"--{BOUNDARY}\r\n\r\n\r\n".encode()
    return _closed(part * (SIZE // len(part)))


def many_headers() -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n'.encode()
    return _closed(head + b"X: y\r\n" * PARTS + b"\r\n1\r\n")


def huge_header() -> bytes:
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\nX-Long: '.encode()
    return _closed(head + b"y" * SIZE + b"\r\n\r\n1\r\n")


def many_parameters() -> bytes:
    # The header parser pays for each `;` (about 0.6 us), a data byte costs about 1 ns.
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"{";" * 4000}\r\n\r\nv\r\n'
    return _closed(part.encode() * (SIZE // len(part)))


def fields(count: int) -> bytes:
    part = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="field-%d"\r\n\r\nvalue\r\n'
    return _closed(b"".join((part % number).encode() for number in range(count)))


def files(count: int) -> bytes:
    part = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="%d.txt"\r\n'
        "Content-Type: text/plain\r\n\r\nx\r\n"
    )
    return _closed(b"".join((part % number).encode() for number in range(count)))


def parameters_at_the_cap(count: int) -> bytes:
    semicolons = ";" * MAX_HEADER_PARAMETERS
    part = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data{semicolons[:-1]}; name="a"\r\n'
        f"Content-Type: text/plain{semicolons[:-1]}; charset=utf-8\r\n\r\nv\r\n"
    )
    return _closed(part.encode() * count)


# The bombs and their kin, under the default limits (also POSTed to a server).
BODIES: dict[str, Callable[[], bytes]] = {
    "one 42 MiB file": one_file,
    "one 100 MiB file (max_upload_size)": lambda: one_file(100 * 1024 * 1024),
    "1,000,000 unnamed parts": unnamed_parts,
    '1,000,000 filename="" parts': empty_filename_parts,
    "headerless parts": headerless_parts,
    "1,000,000 headers in one part": many_headers,
    "one 42 MiB part header": huge_header,
    "4,000 ';' in every part header": many_parameters,
}

# What data_upload_max_number_parts alone allows, once the field and file counts are off.
UNCOUNTED = RequestLimits(data_upload_max_number_fields=None, data_upload_max_number_files=None)
UNCOUNTED_ENVIRON = {
    "LEGATO_DATA_UPLOAD_MAX_NUMBER_FIELDS": "none",
    "LEGATO_DATA_UPLOAD_MAX_NUMBER_FILES": "none",
}
PARTS_LIMIT = UNCOUNTED.data_upload_max_number_parts or PARTS
AT_THE_PART_LIMIT: dict[str, Callable[[], bytes]] = {
    f"{PARTS_LIMIT:,} fields": lambda: fields(PARTS_LIMIT),
    f"{PARTS_LIMIT:,} one-byte files": lambda: files(PARTS_LIMIT),
    f"{PARTS_LIMIT:,} parts, {MAX_HEADER_PARAMETERS} ';' per header": lambda: parameters_at_the_cap(
        PARTS_LIMIT
    ),
    "1,000,000 unnamed parts": unnamed_parts,
    "headerless parts": headerless_parts,
}


def feed(raw: bytes, limits: RequestLimits) -> tuple[float, str]:
    """Feed `raw` to a BodyReader as a server would; return (CPU seconds, outcome)."""
    start = time.thread_time()
    reader = BodyReader(CONTENT_TYPE.encode(), len(raw), limits)
    try:
        for offset in range(0, len(raw), CHUNK):
            reader.feed(raw[offset : offset + CHUNK])
        body = reader.finish()
    except (BadRequest, SuspiciousOperation) as exc:
        outcome = f"{type(exc).__name__}"
    else:
        assert body.post is not None
        assert body.files is not None
        outcome = f"accepted: {len(body.post)} fields, {len(body.files)} file fields"
        body.close()
    finally:
        reader.close()
    return time.thread_time() - start, outcome


async def count(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"fields": len(request.POST), "files": len(request.FILES)})


app = App(urlpatterns=[path("", count)])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(environ: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "legato.cli", "run", "bench.multipart_parts:app"]
    command += ["--port", str(port), "--log-level", "warning"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **environ}, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_serving(port, process)
            yield port, process
        finally:
            process.terminate()
            process.wait(timeout=10)


def _wait_until_serving(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"legato run did not start on port {port}")


def post(port: int, raw: bytes) -> tuple[float, int]:
    """POST `raw` (sent from a thread while the answer is read); return (seconds, status)."""
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        f"Content-Type: {CONTENT_TYPE}\r\nContent-Length: {len(raw)}\r\n\r\n"
    ).encode()
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sender = threading.Thread(target=_send, args=(sock, head + raw), daemon=True)
        sender.start()
        answer = sock.recv(65536)
        elapsed = time.monotonic() - start
        sender.join(timeout=60)
    return elapsed, int(answer.split(b" ", 2)[1]) if answer else 0


def _send(sock: socket.socket, data: bytes) -> None:
    # The server may answer early and close: that is one of the outcomes measured.
    with contextlib.suppress(OSError):
        sock.sendall(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", action="store_true", help="skip the real server")
    options = parser.parse_args(argv)
    print("Default limits")
    report(BODIES, RequestLimits())
    print(f"\nOnly data_upload_max_number_parts ({PARTS_LIMIT:,}): field and file counts off")
    report(AT_THE_PART_LIMIT, UNCOUNTED)
    if not options.in_process:
        print("\nDefault limits, POSTed to legato run")
        serve(BODIES, {})
        print(f"\nOnly data_upload_max_number_parts ({PARTS_LIMIT:,}), POSTed to legato run")
        serve(AT_THE_PART_LIMIT, UNCOUNTED_ENVIRON)
    return 0


def report(bodies: dict[str, Callable[[], bytes]], limits: RequestLimits) -> None:
    print(f"{'body':36} {'MiB':>5} {'parts':>9}  in-process CPU s  outcome")
    # Built one at a time: together the bodies would take about 400 MB.
    for name, build in bodies.items():
        raw = build()
        seconds, outcome = feed(raw, limits)
        parts = raw.count(f"--{BOUNDARY}\r\n".encode())
        print(f"{name:36} {len(raw) / 2**20:5.1f} {parts:9,}  {seconds:16.3f}  {outcome}")


def serve(bodies: dict[str, Callable[[], bytes]], environ: dict[str, str]) -> None:
    print(f"{'body':36} server CPU s  wall s  status")
    with server(environ) as (port, process):
        post(port, fields(3))  # the first request pays for lazy imports; not measured
        for name, build in bodies.items():
            raw = build()
            before = cpu_seconds(process.pid)
            elapsed, status = post(port, raw)
            time.sleep(0.2)  # let the server finish with the connection before reading /proc
            spent = cpu_seconds(process.pid) - before
            print(f"{name:36} {spent:12.2f}  {elapsed:6.2f}  {status}")


if __name__ == "__main__":
    raise SystemExit(main())
