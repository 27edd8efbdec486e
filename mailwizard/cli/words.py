"""argparse's own error sentences in the language of the run.

The help's words (usage, the section titles, -h) are translated by cli/support.py's parser.
argparse's error messages are made in English inside argparse and read by the did-you-mean
suggestions (cli/support.py); `translate_error()` then matches the finished English message
against argparse's templates below and gives it back from the catalogue, with argparse's own
values put back in. The templates are extracted under the keyword `argparse_word` and keep
argparse's %-placeholders."""

from __future__ import annotations

import re


def argparse_word(message: str) -> str:
    return message


ARGPARSE_ERRORS = (
    argparse_word("argument %(argument_name)s: %(message)s"),
    argparse_word("unrecognized arguments: %s"),
    argparse_word("the following arguments are required: %s"),
    argparse_word("one of the arguments %s is required"),
    argparse_word("not allowed with argument %s"),
    argparse_word("ignored explicit argument %r"),
    argparse_word("expected one argument"),
    argparse_word("expected at most one argument"),
    argparse_word("expected at least one argument"),
    argparse_word("ambiguous option: %(option)s could match %(matches)s"),
    argparse_word("unexpected option string: %s"),
    argparse_word("invalid %(type)s value: %(value)r"),
    argparse_word("invalid choice: %(value)r (choose from %(choices)s)"),
    argparse_word("can't open '%(filename)s': %(error)s"),
)
_FIELD = re.compile(r"%\((\w+)\)[sr]|%[sr]")


def _pattern(template: str) -> re.Pattern:
    out, pos, n = [], 0, 0
    for m in _FIELD.finditer(template):
        out.append(re.escape(template[pos:m.start()]))
        out.append(f"(?P<{m.group(1) or f'_{n}'}>.*?)")
        n += 0 if m.group(1) else 1
        pos = m.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.S)


def english_argparse() -> None:
    """argparse asks the gettext module for each of its words (gettext then looks for an
    "argparse"-less "messages" catalogue on disk, and imports locale, every time: ≈ 4 ms of a
    run). mailwizard translates argparse's words itself (cli/support.py and below), so argparse
    keeps its English."""
    import argparse

    argparse._ = _same
    argparse.ngettext = _same_plural


def _same(message: str) -> str:
    return message


def _same_plural(singular: str, plural: str, n: int) -> str:
    return singular if n == 1 else plural


def translate_error(message: str) -> str:
    """argparse's English error `message` in the language of the run (unchanged in English,
    and when it is not one of argparse's)."""
    from mailwizard.core import i18n

    if i18n.language() == i18n.SOURCE:
        return message
    for template in ARGPARSE_ERRORS:
        m = _pattern(template).fullmatch(message)
        if not m:
            continue
        values = m.groupdict()
        if "message" in values:  # "argument --port: invalid int value: 'x'"
            values["message"] = translate_error(values["message"])
        translated = i18n._(template)
        named = {k: v for k, v in values.items() if not k.startswith("_")}
        positional = [v for k, v in sorted(values.items()) if k.startswith("_")]
        # the values are argparse's finished text: put them back as text, not repr() again
        text = _FIELD.sub(lambda f: "\0" + (f.group(1) or "") + "\0", translated)
        parts = text.split("\0")
        out, i = [], 0
        for j, part in enumerate(parts):
            if j % 2 == 0:
                out.append(part)
            elif part:
                out.append(named.get(part, ""))
            else:
                out.append(positional[i] if i < len(positional) else "")
                i += 1
        return "".join(out)
    return message
