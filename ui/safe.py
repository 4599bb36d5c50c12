"""Show text typed by users or read from files as text: never as Markdown, links or images.

Streamlit renders Markdown (with GitHub's autolinks, its own `:color[...]`, `:material/...:`
and emoji codes, and LaTeX between dollars) in `st.markdown`, captions, headings, alerts and
the labels of buttons, expanders, tabs, checkboxes and radios. Every value that came from a
person or a file goes through `md_text` before it is put into such a string; a link is drawn
only by `md_link`, only where the field is a link, and only for an http(s) address.
"""

from __future__ import annotations

import re
import string
from urllib.parse import urlsplit

# CommonMark lets any ASCII punctuation be escaped with a backslash, and an escaped character
# is always literal text: escaping all of them leaves no syntax for the value to start.
_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_SPACES = re.compile(r"\s+")
# GitHub's autolinks ("https://...", "www.x.y", "a@b.c") are found in the text *after* escapes
# are resolved, so escaping cannot stop them; an invisible word joiner (U+2060) inside the
# pattern does, without changing what the reader sees.
_JOINER = "\u2060"
_AUTOLINKS = (
    (re.compile(r"\\:(?=\\/\\/)"), "\\:" + _JOINER),  # https://
    (re.compile(r"(?i)(www)(?=\\\.)"), r"\1" + _JOINER),  # www.
    (re.compile(r"\\@"), _JOINER + "\\@"),  # user@host
)


def _escape(text: str) -> str:
    escaped = _PUNCTUATION.sub(r"\\\1", _SPACES.sub(" ", text).strip())
    for pattern, replacement in _AUTOLINKS:
        escaped = pattern.sub(replacement, escaped)
    return escaped


def md_text(value: object, *, multiline: bool = False) -> str:
    """Return `value` as Markdown that displays exactly its characters.

    Blank for None. Inline (the default), runs of whitespace become one space, so that a value
    cannot start a heading, list, quote or code block; `multiline` keeps line breaks.
    """
    if value is None:
        return ""
    text = str(value)
    if not multiline:
        return _escape(text)
    return "  \n".join(_escape(line) for line in text.splitlines())


def safe_url(url: object) -> str | None:
    """Return the address if it is a plain http(s) URL with a host, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    return url


def md_link(label: object, url: object) -> str:
    """A Markdown link with an escaped label, or the label alone when the address is not http(s)."""
    text = md_text(label) or md_text(url)
    address = safe_url(url)
    if address is None:
        return text
    # Inside <...> an address needs only its angle brackets and spaces escaped; percent-encode them.
    target = address.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20")
    return f"[{text}](<{target}>)"
