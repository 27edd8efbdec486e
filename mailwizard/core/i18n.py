"""The user's language for every sentence mailwizard shows: wizard, diagnosis, guidance,
provider data and the command line's words, through one gettext catalogue per language.

How a sentence is written (so a translator can move its parts, and nothing is lost):
  * whole sentences, one call: ``_("Could not reach {host} on port {port}.").format(host=h,
    port=p)`` — never an f-string or a concatenation inside ``_()``;
  * counts through ``ngettext("{n} recipient", "{n} recipients", n).format(n=n)``;
  * a sentence kept in a table at import time is marked ``N_("…")`` and translated where it is
    shown, ``_(TABLE[key])``; text read from resources/*.toml is translated the same way;
  * provider names, host names, codes and protocol names stay placeholders.

The catalogues are ``resources/locale/<language>.po`` (a translator adds a language by adding
one such file); the build compiles them to ``resources/locale/<language>/LC_MESSAGES/
mailwizard.mo`` (packaging/backend/catalogues.py). ``en`` is the source text. ``en-XA`` is a
pseudo-language made on the fly: every sentence wrapped in ⟦…⟧, its letters accented and
lengthened by about 40 %, so tests see at once what is not translated or does not fit.

Which language: ``--lang``, else ``MAILWIZARD_LANG``, else the administrator's site file
(``language``), else (the wizard only) the language last chosen on the wizard's first page
(``remembered()``), else the operating system's (LC_ALL, LC_MESSAGES, LANG; Windows/macOS: the
user's locale), else English. Qt-free; the wizard bridges Qt's ``tr()`` to the same catalogue
(mailwizard/gui/i18n.py).
"""

from __future__ import annotations

import os
import re

DOMAIN = "mailwizard"
SOURCE = "en"
PSEUDO = "en-XA"
_PSEUDO_NAMES = {"en-xa", "en_xa", "xx", "pseudo"}

#: Each language's name in its own script, for the wizard's language list (a language not
#: named here shows its code).
NATIVE_NAMES = {"en": "English", "hi": "हिन्दी", "mr": "मराठी", "ta": "தமிழ்"}
#: The writing system a language needs beyond Latin (the wizard's fonts, the walks' checks):
#: Qt's QFontDatabase.WritingSystem names.
SCRIPTS = {"hi": "Devanagari", "mr": "Devanagari", "ta": "Tamil"}

_catalogue = None  # a gettext.GNUTranslations, or None for the source text
_language = SOURCE


def _(message: str) -> str:
    """`message` in the user's language (the English text when it has no translation)."""
    if _catalogue is None:
        return message
    return _catalogue.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural sentence for `n`, as the language counts."""
    if _catalogue is None:
        return singular if n == 1 else plural
    return _catalogue.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a sentence for the catalogue where it is stored; `_()` translates it when shown."""
    return message


def translated(message: str) -> str | None:
    """The translation of `message`, or None when the language has none (Qt's bridge: Qt then
    keeps its own text)."""
    if _catalogue is None or not message:
        return None
    text = _catalogue.gettext(message)
    return None if text is message else text


def language() -> str:
    """The language in use: "en", "hi", … or "en-XA"."""
    return _language


def normalise(code: str | None) -> str | None:
    """"hi_IN.UTF-8", "hi-IN", "HI" → "hi"; the pseudo-language's names → "en-XA"; "C",
    "POSIX" and empty → None."""
    if not code:
        return None
    code = code.strip()
    if code.lower() in _PSEUDO_NAMES:
        return PSEUDO
    code = code.split(".", 1)[0].split("@", 1)[0].replace("-", "_")
    if code.upper() in ("C", "POSIX", ""):
        return None
    if not re.fullmatch(r"[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?", code):
        return None
    lang, _sep, region = code.partition("_")
    return lang.lower() + ("_" + region.upper() if region else "")


def _locale_dir():
    """resources/locale/ (a folder: resource_path() is for files)."""
    from mailwizard.core.resources import _folder

    folder = _folder()
    if folder is not None:
        return folder / "locale"
    from pathlib import Path
    from importlib import resources

    return Path(str(resources.files("mailwizard.resources").joinpath("locale")))


def available() -> list[str]:
    """The languages that have a compiled catalogue here, plus English and the pseudo-language."""
    found = set()
    folder = _locale_dir()
    if folder.is_dir():
        for entry in folder.iterdir():
            if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file():
                found.add(entry.name)
    return [SOURCE, *sorted(found), PSEUDO]


def native_name(code: str) -> str:
    """"हिन्दी" for "hi"; the code itself for a language without a name in NATIVE_NAMES."""
    return NATIVE_NAMES.get(code, code)


def remembered_file():
    """Where the wizard keeps the language chosen on its first page: the user's config folder
    (~/.config/mailwizard/language on Linux), beside the settings but not in them."""
    from pathlib import Path
    import sys

    if sys.platform.startswith("linux"):
        from mailwizard.core.store.paths import xdg_config_dir

        return Path(xdg_config_dir(site=False)) / "mailwizard" / "language"
    from platformdirs import user_config_dir

    return Path(user_config_dir("mailwizard", appauthor=False, roaming=True)) / "language"


def remembered() -> str | None:
    """The language last chosen on the wizard's first page, or None."""
    try:
        return normalise(remembered_file().read_text(encoding="utf-8").strip()[:40])
    except (OSError, UnicodeDecodeError):
        return None


def remember(code: str) -> None:
    """Keep `code` for the next start (a failure to write only means it is not remembered)."""
    path = remembered_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(code + "\n", encoding="utf-8")
    except OSError:
        pass


def system_language(environ=None) -> str | None:
    """The operating system's language for messages: LC_ALL, LC_MESSAGES, LANG (what a Linux
    desktop and a terminal set); on Windows the user's display language. (A macOS app started
    from the Finder has none of these: the wizard then asks Qt, gui/app.py.)"""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            # LANGUAGE (GNU's list) is not read: a desktop sets it from LANG anyway, and a
            # list like "hi:en" would need a fallback chain for no gain here.
            return normalise(value)
    if os.name == "nt" and environ is None:
        try:
            import ctypes
            import locale

            lcid = ctypes.windll.kernel32.GetUserDefaultUILanguage()
            return normalise(locale.windows_locale.get(lcid))
        except (AttributeError, OSError):
            return None
    return None


def choose_language(option: str | None = None, site: str | None = None,
                    environ=None) -> str | None:
    """The language asked for: --lang, MAILWIZARD_LANG, the site file's, the system's."""
    env = os.environ if environ is None else environ
    for candidate in (option, env.get("MAILWIZARD_LANG"), site):
        code = normalise(candidate)
        if code:
            return code
    return system_language(env)


def set_language(code: str | None) -> str:
    """Use `code`'s catalogue from now on ("hi_IN" falls back to "hi", an unknown language to
    English); returns the language in use."""
    global _catalogue, _language
    code = normalise(code) or SOURCE
    if code == PSEUDO:
        _catalogue, _language = _Pseudo(), PSEUDO
        return _language
    for candidate in (code, code.split("_", 1)[0]):
        if candidate == SOURCE:
            break  # English: nothing to read
        path = _locale_dir() / candidate / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if path.is_file():
            import gettext

            with open(path, "rb") as fp:
                _catalogue, _language = gettext.GNUTranslations(fp), candidate
            return _language
    _catalogue, _language = None, SOURCE
    return _language


# --- the language of this run ---------------------------------------------------------------

def option_value(argv: list[str], name: str) -> str | None:
    """The value of `--name X` / `--name=X` before a bare "--" (read before the parser is
    built, whose help is itself in the chosen language)."""
    words = argv[:argv.index("--")] if "--" in argv else argv
    for i, word in enumerate(words):
        if word == name and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(name + "="):
            return word[len(name) + 1:]
    return None


def setup(argv: list[str], system=None, site=None, chosen=None) -> str:
    """--lang, else MAILWIZARD_LANG, else the site file's `language`, else `chosen()` (the
    wizard: the language last chosen on its first page), else the system's (else `system()`,
    e.g. Qt's idea of it, when the environment says nothing).

    The site file is policy, read by the face (command line, wizard): `site(path)` gives its
    language for the --site-config value (or None), and is asked only when neither --lang nor
    MAILWIZARD_LANG names one."""
    option = option_value(argv, "--lang")
    site_code = None
    if site is not None and not normalise(option) \
            and not normalise(os.environ.get("MAILWIZARD_LANG")):
        site_code = site(option_value(argv, "--site-config"))
    code = next(filter(None, map(normalise, (option, os.environ.get("MAILWIZARD_LANG"),
                                             site_code))), None)
    if code is None and chosen is not None:
        code = normalise(chosen())
    if code is None:
        code = system_language()
    if code is None and system is not None:
        code = normalise(system())
    return set_language(code)


# --- the pseudo-language -------------------------------------------------------------------

START, END = "⟦", "⟧"
_ACCENTS = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "áƀçđéƒĝĥíĵķĺɱñóþʠŕšţúṽŵẋýžÁƁÇĐÉƑĜĤÍĴĶĹṀÑÓÞǪŔŠŢÚṼŴẊÝŽ")
# Kept as they are: {placeholders}, Qt's %1/%n, <tags>, &entities; and the letter after a
# single & (a keyboard shortcut must stay a key on the keyboard).
_KEEP = re.compile(r"\{[^{}]*\}|%(?:n|\d+|[sd])|<[^<>]*>|&(?:[A-Za-z]+|#\d+);|&&|&.")


def pseudo(text: str) -> str:
    if not text or not text.strip() or START in text:  # empty, or already the pseudo-language
        return text
    out, pos, letters = [], 0, 0
    for m in _KEEP.finditer(text):
        part = text[pos:m.start()]
        letters += sum(c.isalpha() for c in part)
        out.append(part.translate(_ACCENTS))
        out.append(m.group(0))
        pos = m.end()
    part = text[pos:]
    letters += sum(c.isalpha() for c in part)
    out.append(part.translate(_ACCENTS))
    body = "".join(out)
    pad = "·" * max(2, round(len(text) * 0.4))
    # rich text: the markers go inside the outermost element so Qt still sees it as rich text
    if body.startswith("<") and body.rstrip().endswith(">") and "</" in body:
        return f"{START}{body}{pad}{END}" if not letters else _wrap_rich(body, pad)
    return f"{START}{body}{pad}{END}"


def _wrap_rich(body: str, pad: str) -> str:
    first = body.index(">") + 1
    last = body.rindex("</")
    return f"{body[:first]}{START}{body[first:last]}{pad}{END}{body[last:]}"


class _Pseudo:
    def gettext(self, message: str) -> str:
        return pseudo(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return pseudo(singular if n == 1 else plural)
