"""argparse's own words (usage, options, its error messages) in the language of the run.

argparse asks the standard `gettext` module for them; `install()` points it at mailwizard's
catalogue instead, which holds the sentences below (extracted under the keyword
`argparse_word`; they keep argparse's own %-placeholders, which argparse fills in)."""

from __future__ import annotations


def argparse_word(message: str) -> str:
    return message


def argparse_plural(singular: str, plural: str) -> tuple[str, str]:
    return singular, plural


ARGPARSE_WORDS = (
    argparse_word("usage: "),
    argparse_word("positional arguments"),
    argparse_word("options"),
    argparse_word("show this help message and exit"),
    argparse_word("show program's version number and exit"),
    argparse_word("argument %(argument_name)s: %(message)s"),
    argparse_word("unrecognized arguments: %s"),
    argparse_word("the following arguments are required: %s"),
    argparse_word("one of the arguments %s is required"),
    argparse_word("not allowed with argument %s"),
    argparse_word("ignored explicit argument %r"),
    argparse_word("expected one argument"),
    argparse_word("expected at most one argument"),
    argparse_word("expected at least one argument"),
    argparse_plural("expected %s argument", "expected %s arguments"),
    argparse_word("ambiguous option: %(option)s could match %(matches)s"),
    argparse_word("unexpected option string: %s"),
    argparse_word("invalid %(type)s value: %(value)r"),
    argparse_word("invalid choice: %(value)r (choose from %(choices)s)"),
    argparse_word("%(prog)s: error: %(message)s\n"),
    argparse_word("unknown parser %(parser_name)r (choices: %(choices)s)"),
    argparse_word("can't open '%(filename)s': %(error)s"),
)


def install() -> None:
    """argparse's words from mailwizard's catalogue (English: nothing to do)."""
    from mailwizard.core import i18n

    if i18n.language() == i18n.SOURCE:
        return
    import argparse

    argparse._ = i18n._
    argparse.ngettext = i18n.ngettext
