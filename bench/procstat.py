"""Sample a server's resident memory and OS thread count from /proc while load runs.

`/proc/<pid>/status` gives VmRSS and Threads at the moment of reading; a background
thread reads it every 10 ms, and the kernel's own high-water mark (VmHWM, reset through
`clear_refs` before the run where the kernel allows it) catches a peak between samples.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["ProcessSample", "Sampler", "read_status"]

INTERVAL = 0.01


@dataclass(frozen=True, slots=True)
class ProcessSample:
    rss_kib: int
    hwm_kib: int
    threads: int


def read_status(pid: int) -> ProcessSample:
    fields: dict[str, str] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = value.strip()
    return ProcessSample(
        rss_kib=int(fields["VmRSS"].split()[0]),
        hwm_kib=int(fields["VmHWM"].split()[0]),
        threads=int(fields["Threads"]),
    )


class Sampler:
    """`with Sampler(pid) as s:` samples until the block ends; then read `peak_*`."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_rss_kib = 0
        self.peak_threads = 0
        self._high_water_mark_reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sampler", daemon=True)

    def __enter__(self) -> Sampler:
        self._high_water_mark_reset = _reset_high_water_mark(self.pid)
        self._record()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        sample = self._record()
        if sample is not None and self._high_water_mark_reset:
            self.peak_rss_kib = max(self.peak_rss_kib, sample.hwm_kib)

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            self._record()

    def _record(self) -> ProcessSample | None:
        try:
            sample = read_status(self.pid)
        except (FileNotFoundError, ProcessLookupError):
            return None  # the server died; the run reports its errors
        self.peak_rss_kib = max(self.peak_rss_kib, sample.rss_kib)
        self.peak_threads = max(self.peak_threads, sample.threads)
        return sample


def _reset_high_water_mark(pid: int) -> bool:
    # "5" resets VmHWM to the current RSS (Linux >= 4.0); without it the mark could
    # still hold a peak from start-up, so the polled samples are used alone.
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True
