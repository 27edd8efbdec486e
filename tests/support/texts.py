"""What a person reads in a wizard window, and the checks that find text the catalogue did
not give: shared by the pseudo-language and every-language walks and the language switch."""

from __future__ import annotations

import re

from PySide6.QtGui import QTextDocumentFragment
from PySide6.QtWidgets import (QAbstractButton, QAbstractSpinBox, QComboBox, QGroupBox, QLabel,
                               QLineEdit, QSpinBox, QWidget)

from mailwizard.core import i18n

START, END = i18n.START, i18n.END
#: a translated sentence, with whatever data its placeholders carry (innermost first: a
#: sentence may hold another, e.g. "⟦⟦Account⟧ (done)⟧")
MARKED = re.compile(re.escape(START) + "[^" + START + END + "]*" + re.escape(END))
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")
#: names that are the same in every language (the issue: product names stay as they are);
#: allowed only as a whole text (a heading, a radio button's brand)
#: product and protocol names: the same in every language (issue 12), so never translated
NAMES = {"Google", "Microsoft", "Gmail", "mailwizard", "SMTP", "STARTTLS", "SSL/TLS", "SSL",
         "TLS", "DNS", "SPF", "DKIM", "DMARC", "OAuth", "EWS", "NTLM", "Exchange"}
URL = re.compile(r"https?://\S+")

def plain(text: str) -> str:
    if "<" in text and ">" in text:
        text = QTextDocumentFragment.fromHtml(text).toPlainText()
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


#: the key of a field whose translated label lacks the letter: "ऐप पासवर्ड (&P)"
KEY = re.compile(r" \(&\w\)")


def unmarked(text: str, data: list[str]) -> str:
    """What of `text` a person reads that did not come through the catalogue ('' if none)."""
    text = plain(KEY.sub("", text))
    if text.strip() in NAMES:
        return ""
    for value in sorted(data, key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    # Inside a translated sentence every letter of its own is accented; plain Latin words
    # there came in through a placeholder: untranslated text unless they are a name.
    inserted = []

    def inside(m):
        inserted.extend(w for w in ASCII_WORD.findall(m.group(0)) if w not in NAMES)
        return " "

    rest, before = text, None
    while rest != before:
        before, rest = rest, MARKED.sub(inside, rest)
    if inserted:
        rest += " [in a sentence: " + " ".join(inserted) + "]"
    for value in sorted(data, key=len, reverse=True):
        if value:
            rest = rest.replace(value, " ")
    return rest.strip() if any(c.isalpha() for c in rest) else ""


def shown_texts(w: QWidget) -> list[tuple[str, str]]:
    """(where, text) of every visible text of window `w`. Not looked at: what the user typed
    (line edits' text), the Details box (server replies, for IT), the provider list (its
    entries are the providers' names) and the language list's entries (each language's name
    in its own script)."""
    out = [("window title", w.windowTitle())]
    for x in w.findChildren(QWidget):
        if not x.isVisible() or x.window() is not w:
            continue
        kind = type(x).__name__
        if isinstance(x, QLabel):
            out.append((kind, x.text()))
        elif isinstance(x, QAbstractButton):
            out.append((kind, x.text()))
        if isinstance(x, QGroupBox):
            out.append((kind, x.title()))
        if isinstance(x, QComboBox) and x.objectName() != "languages":
            out.extend((kind + " item", x.itemText(i)) for i in range(x.count()))
        if isinstance(x, QLineEdit) and not isinstance(x.parentWidget(), QAbstractSpinBox):
            out.append(("placeholder", x.placeholderText()))  # its text is the user's
        if isinstance(x, QSpinBox):
            out.append(("spin box", x.specialValueText()))
            out.append(("spin box suffix", x.suffix()))
        # what a screen reader says and a tooltip shows (a link's address is data)
        for where, text in (("tooltip", x.toolTip()), ("accessible name", x.accessibleName()),
                            ("accessible description", x.accessibleDescription())):
            if text and not URL.fullmatch(text.strip()):
                out.append((f"{kind} {where}", text))
    return [(k, t) for k, t in out if t]



LATIN_RUN = re.compile(r"[A-Za-z][\w.'’-]*(?:[ ,]+[A-Za-z][\w.'’-]*){2,}")
#: the English a Hindi reader is meant to meet: a provider's own screen words, quoted as they
#: appear on its page (“Need admin approval”), and product names made of words
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
PRODUCT_NAMES = ("Outlook on the web",)


def english_words(text: str, data: list[str]) -> str:
    """Three or more Latin words in a row that are not data, a URL or names: English a Hindi
    reader would meet ('' if none)."""
    text = QUOTED.sub(" ", URL.sub(" ", plain(KEY.sub("", text))))
    for value in sorted([*data, *PRODUCT_NAMES], key=len, reverse=True):
        if value:
            text = text.replace(value, " ")
    for m in LATIN_RUN.finditer(text):
        words = re.findall(r"[A-Za-z][\w.'’-]*", m.group(0))
        # names (capitalised: Gmail, Google Workspace, Microsoft Exchange) and codes stay
        if any(w.islower() and len(w) > 2 and w not in ("relay", "include", "none", "password")
               for w in words):
            return m.group(0)
    return ""


