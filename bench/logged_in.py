"""Log the feed scenario's users in through each server's own log-in view, and check pages.

Each server gets a real POST /login/ per user (its framework's authenticate and login,
its session store), so the session cookies wrk sends are the ones the framework made.
The cookies go to a file, one `Cookie` header value a line, which `feed.lua` cycles
through. A page is correct when its title names its user and it lists exactly the post ids the
data says that user's feed holds (`FeedData.expected_feed`), in that order.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.feed_data import PASSWORD, feed_data, username
from bench.servers import ROOT

__all__ = [
    "COOKIE_NAME",
    "LoginError",
    "build_feed_database",
    "check_feed",
    "log_in",
    "write_cookie_file",
]

COOKIE_NAME = "sessionid"  # both frameworks' default name
_POST_ID = re.compile(r'data-post="(\d+)"')


class LoginError(RuntimeError):
    """A server refused a benchmark user's log-in or served a wrong feed page."""


def build_feed_database(directory: Path) -> Path:
    """Build the feed database in `directory` (in a process of its own) and name it."""
    file = directory / "feed.sqlite3"
    command = [sys.executable, "-m", "bench.feed_build", str(file)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}")
    return file


def log_in(port: int, user_id: int) -> str:
    """Log user `user_id` in; return the `Cookie` header value its session needs."""
    body = urlencode({"username": username(user_id), "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    status, response_headers, text = _request(port, "POST", "/login/", body, headers)
    cookie = SimpleCookie()
    for name, value in response_headers:
        if name.lower() == "set-cookie":
            cookie.load(value)
    if status != 200 or COOKIE_NAME not in cookie:
        raise LoginError(
            f"POST /login/ for {username(user_id)} answered {status} without a "
            f"{COOKIE_NAME} cookie: {text[:300]!r}"
        )
    return f"{COOKIE_NAME}={cookie[COOKIE_NAME].value}"


def write_cookie_file(port: int, users: int, file: Path) -> list[str]:
    cookies = [log_in(port, user_id) for user_id in range(1, users + 1)]
    file.write_text("".join(f"{cookie}\n" for cookie in cookies))
    return cookies


def check_feed(port: int, path: str, user_id: int, cookie: str) -> None:
    status, _, page = _request(port, "GET", path, None, {"Cookie": cookie})
    expected = feed_data().expected_feed(user_id)
    shown = [int(match) for match in _POST_ID.findall(page)]
    title = f"<title>Feed · {username(user_id)}</title>"
    if status != 200 or shown != expected or title not in page:
        raise LoginError(
            f"GET {path} as {username(user_id)} answered {status} with posts {shown}; "
            f"expected 200, the user's name and posts {expected}. Page:\n{page[:600]}"
        )


def _request(
    port: int, method: str, path: str, body: str | None, headers: dict[str, str]
) -> tuple[int, list[tuple[str, str]], str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, headers)
        response = connection.getresponse()
        return response.status, response.getheaders(), response.read().decode(errors="replace")
    finally:
        connection.close()
