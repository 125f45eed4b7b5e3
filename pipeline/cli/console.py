"""The one writer for the console: what the clerk's terminal cannot show is replaced, never
raised. A Windows console on code page 936 (or a Task Scheduler job whose output goes to a
file) encodes in GBK, which has no 😡 and no 𠮷; citizens' texts have both.

Only what is printed changes: files the tool writes are UTF-8 whatever the console.
"""

from __future__ import annotations

import codecs
import json
import sys
import textwrap
from collections.abc import Iterable
from typing import Any, TextIO

import click


def _encoding(stream: TextIO) -> str:
    name = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


# Our own marks, where a console lacks them, as the nearest sign it has (GBK has √ and ×).
FALLBACKS = {"✓": "√", "✗": "×", "☑": "√", "☐": "□"}
_UNIVERSAL = ("utf-8", "utf-16", "utf-32", "gb18030")


def fit(text: str, stream: TextIO) -> str:
    """`text` as `stream` can show it: our marks by their fallbacks, anything else it cannot
    encode by "?"."""
    return fit_encoding(text, _encoding(stream))


def fit_encoding(text: str, encoding: str) -> str:
    try:
        encoding = codecs.lookup(encoding).name
    except LookupError:
        encoding = "utf-8"
    if encoding in _UNIVERSAL:
        return text  # every character has a code there (lone surrogates are cleaned earlier)
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        for mark, fallback in FALLBACKS.items():
            text = text.replace(mark, fallback)
        return text.encode(encoding, errors="replace").decode(encoding)
    return text


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print one message to stdout (or stderr) without ever raising on a character."""
    # sys.stdout at call time: CliRunner and pytest's capture replace it.
    stream = sys.stderr if err else sys.stdout
    click.echo(fit(text, stream), file=stream, nl=nl)


def _escape_unencodable(text: str, encoding: str) -> str:
    out = []
    for char in text:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            out.append(json.dumps(char)[1:-1])  # \ud83d\ude21: the same string to a JSON reader
        else:
            out.append(char)
    return "".join(out)


def echo_json(data: Any) -> None:
    """JSON for scripts: readable Chinese where the console can show it, lossless always.

    A character the console cannot encode is written as its JSON escape, which every JSON
    reader turns back into the same character: nothing a script reads is lost.
    """
    click.echo(_console_json(json.dumps(data, ensure_ascii=False, indent=2)), file=sys.stdout)


def echo_json_list(items: Iterable[Any]) -> None:
    """A JSON array written an item at a time (the same text `echo_json` writes for the
    whole list): a hundred thousand orders are never one string in memory."""
    stream = sys.stdout
    first = True
    for item in items:
        body = textwrap.indent(json.dumps(item, ensure_ascii=False, indent=2), "  ")
        click.echo(_console_json(("[\n" if first else ",\n") + body), file=stream, nl=False)
        first = False
    click.echo("[]" if first else "\n]", file=stream)


def _console_json(text: str) -> str:
    encoding = _encoding(sys.stdout)
    return text if encoding in _UNIVERSAL else _escape_unencodable(text, encoding)


def harden_std_streams() -> None:
    """Let the real console replace what it cannot encode, for text printed by Click itself
    (usage errors quoting an argument) or by a library."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="replace")
            except (ValueError, OSError):  # a closed or detached stream: nothing to harden
                continue
