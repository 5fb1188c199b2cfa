"""Write request data into log lines without letting it forge lines of its own.

A path (`%0A` decodes to a newline), a header or an exception message built from them
can hold line breaks and terminal escape sequences; written raw, they start a fake log
record or rewrite what an operator's terminal shows. Every log call that formats request
data passes it through `escape_for_log` first: control characters (C0, DEL, C1) and the
Unicode line and paragraph separators become visible escapes (`\\x0a`, `\\u2028`); any
other text, non-ASCII included, is kept as it is.
"""

from __future__ import annotations

__all__ = ["escape_for_log"]


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# One table for str.translate: faster than a regex on the clean text most lines are.
_ESCAPES = {code: _escape(code) for code in (*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029)}
_ESCAPES[ord("\\")] = "\\\\"  # doubled, so that no text can pass for one of the escapes


def escape_for_log(value: object) -> str:
    """Return `value` as text that stays on one log line and shows every control character."""
    return str(value).translate(_ESCAPES)
