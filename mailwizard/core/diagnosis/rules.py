"""Diagnosis rules as data, and the one matcher that reads them.

A diagnosis table is a tuple of `Rule`: what a failure looks like (`When`) and what it means
(code, cause, fix, help link, suggestion, and its class for the daily check). The first rule
that matches gives the diagnosis; the order of the table is the order of the checks, as in the
if-chains it replaces. Sentences are English, marked with ``N_()`` so that the catalogue finds
them, and translated when a rule is applied, with their ``{named}`` placeholders filled from
`Facts` (and, where a value must be computed, from the rule's own small function).

The tables: `smtp_rules.SMTP_RULES` (SMTP and OAuth); the Exchange and certificate halves use
the same `Rule`, `When` and `Facts`.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable

from mailwizard.core.i18n import _

if TYPE_CHECKING:
    from mailwizard.core.checks.result import CheckFailure
    from mailwizard.core.diagnosis.common import Diagnosis
    from mailwizard.core.profile import Profile
    from mailwizard.core.providers import ProviderPreset


class Facts:
    """What a rule may test, read once from the failure, the profile and the provider.

    Plain facts are attributes; a computed one is a property, named so that a rule can ask for
    it (``When(facts=("fixed_provider_host",))``). A table with facts of its own (Exchange)
    subclasses this."""

    def __init__(self, failure: CheckFailure, profile: Profile,
                 provider: ProviderPreset | None = None) -> None:
        from mailwizard.core.diagnosis.common import _enhanced_code

        self.failure, self.profile, self.provider = failure, profile, provider
        reply = failure.reply or ""
        #: the server's reply, lower case (what text patterns are looked for in)
        self.reply = reply.lower()
        #: the first enhanced status code in the reply ("5.7.8"), or ""
        self.enhanced = _enhanced_code(reply)

    @functools.cached_property
    def google(self) -> bool:
        """Is the server Google's (by its name or the chosen provider)?"""
        p, provider = self.profile, self.provider
        return "gmail.com" in p.host or bool(provider and provider.id.startswith(("gmail",
                                                                                  "google")))

    @functools.cached_property
    def microsoft(self) -> bool:
        """Is the server Microsoft's (by its name or the chosen provider)?"""
        p, provider = self.profile, self.provider
        return ("office365.com" in p.host or "outlook.com" in p.host
                or bool(provider and provider.id in ("microsoft-365", "outlook-com")))

    def values(self) -> dict[str, Any]:
        """The placeholders every sentence may use, by name."""
        from mailwizard.core.diagnosis.common import _sec_label, _words

        f, p = self.failure, self.profile
        return {"host": p.host, "port": p.port, "step": _words(f.stage), "error": f.message,
                "problems": f.message, "reason": f.ssl_reason or f.message,
                "address": p.from_address, "user": p.username,
                "security": _sec_label(p.security),
                "provider": self.provider.name if self.provider else ""}

    def help(self, *keys: str) -> str:
        """The provider's first help link among `keys` (its preset's ``help`` table), or ""."""
        if self.provider:
            for k in keys:
                if self.provider.help.get(k):
                    return self.provider.help[k]
        return ""


@dataclass(frozen=True)
class When:
    """One way a failure can look: every field given must hold (an empty one is not tested).
    A rule that matches in several ways lists several `When` (any of them)."""

    #: the failure's kind ("resolve", "tls", "smtp_reply", …), or the start of it
    kinds: tuple[str, ...] = ()
    kind_prefix: str = ""
    #: the check's stage when it failed ("auth", "rcpt_to", …)
    stages: tuple[str, ...] = ()
    #: the server answered with a reply code (True), did not (False), either (None)
    has_code: bool | None = None
    codes: tuple[int, ...] = ()
    #: the enhanced status code, whole ("5.7.9") or its start ("5.7")
    enhanced: tuple[str, ...] = ()
    enhanced_prefix: tuple[str, ...] = ()
    #: words in the server's reply (lower case): all of, any of, none of
    reply_all: tuple[str, ...] = ()
    reply_any: tuple[str, ...] = ()
    reply_none: tuple[str, ...] = ()
    #: words in the reply with its spaces taken out ("SmtpClient Authentication")
    squeezed_any: tuple[str, ...] = ()
    #: words in the TLS library's reason (upper case) or in the failure's message (lower case)
    reason_any: tuple[str, ...] = ()
    message_any: tuple[str, ...] = ()
    #: the profile: kind of service, sign-in method, security mode, port
    services: tuple[Any, ...] = ()
    auth: tuple[Any, ...] = ()
    security: tuple[Any, ...] = ()
    ports: tuple[int, ...] = ()
    #: the provider: its family ("google", "microsoft": by preset or host name), its id
    provider: tuple[str, ...] = ()
    provider_ids: tuple[str, ...] = ()
    #: computed facts (names of `Facts` attributes) that must be true, or false
    facts: tuple[str, ...] = ()
    not_facts: tuple[str, ...] = ()

    def holds(self, facts: Facts) -> bool:
        return (self._failure_holds(facts) and self._reply_holds(facts)
                and self._settings_hold(facts)
                and all(getattr(facts, name) for name in self.facts)
                and not any(getattr(facts, name) for name in self.not_facts))

    def _failure_holds(self, facts: Facts) -> bool:
        f = facts.failure
        return (_among(f.kind, self.kinds) and f.kind.startswith(self.kind_prefix)
                and _among(f.stage, self.stages)
                and _words_hold((f.ssl_reason or "").upper(), (), self.reason_any, ())
                and _words_hold(f.message.lower(), (), self.message_any, ()))

    def _reply_holds(self, facts: Facts) -> bool:
        code = facts.failure.code
        return ((self.has_code is None or (code is not None) is self.has_code)
                and _among(code, self.codes) and _among(facts.enhanced, self.enhanced)
                and (not self.enhanced_prefix
                     or facts.enhanced.startswith(self.enhanced_prefix))
                and _words_hold(facts.reply, self.reply_all, self.reply_any, self.reply_none)
                and _words_hold(facts.reply.replace(" ", ""), (), self.squeezed_any, ()))

    def _settings_hold(self, facts: Facts) -> bool:
        p, provider = facts.profile, facts.provider
        return (_among(p.service, self.services) and _among(p.auth, self.auth)
                and _among(p.security, self.security) and _among(p.port, self.ports)
                and (not self.provider
                     or any(getattr(facts, family) for family in self.provider))
                and (not self.provider_ids
                     or bool(provider and provider.id in self.provider_ids)))

def _among(value: Any, allowed: tuple) -> bool:
    return not allowed or value in allowed


def _words_hold(text: str, all_of: Iterable[str], any_of: tuple[str, ...],
                none_of: Iterable[str]) -> bool:
    return (all(w in text for w in all_of) and (not any_of or any(w in text for w in any_of))
            and not any(w in text for w in none_of))


#: A sentence, or sentences said one after the other (joined with a space).
Sentences = str | tuple[str, ...]


@dataclass(frozen=True)
class Rule:
    """What a failure looks like (`when`) and what it means.

    `cause` and `fix` are English sentences marked with ``N_()``; their ``{placeholders}`` come
    from `Facts.values`, overridden by `values(facts)` (both sentences) and `fix_values(facts)`
    (the fix only), for a value that must be computed. `help` is the help link: provider help
    keys ("smtp_settings") and links ("https://…"), the first that gives one, or a function.
    `suggest` is the change of settings that would fix it (as for `common._suggest`), or a
    function giving it (None: none). `meaning` is the class the daily check gives the code
    (diagnosis/meaning.py: offline, temporary, needs_person).

    A rule with a `handler` hands the failure to it: the handler fills the diagnosis and says
    whether it did (False: the next rules are tried)."""

    id: str
    when: When | tuple[When, ...] = When()
    code: str = ""
    cause: Sentences = ""
    fix: Sentences = ""
    meaning: str = ""
    help: tuple[str, ...] | Callable[[Facts], str] = ()
    suggest: dict[str, Any] | Callable[[Facts], dict[str, Any] | None] | None = None
    values: Callable[[Facts], dict[str, Any]] | None = None
    fix_values: Callable[[Facts], dict[str, Any]] | None = None
    #: a sentence added to the fix when `more_values` gives its placeholders (not None)
    fix_more: str = ""
    more_values: Callable[[Facts], dict[str, Any] | None] | None = None
    handler: Callable[[Diagnosis, Facts], bool] | None = None

    def matches(self, facts: Facts) -> bool:
        ways = self.when if isinstance(self.when, tuple) else (self.when,)
        return any(w.holds(facts) for w in ways)

    def apply(self, d: Diagnosis, facts: Facts) -> bool:
        """Fill `d` from this rule; False when its handler declined."""
        from mailwizard.core.diagnosis.common import _suggest

        if self.handler is not None:
            return self.handler(d, facts)
        values = facts.values()
        if self.values is not None:
            values.update(self.values(facts))
        d.code = self.code
        d.cause = say(self.cause, values)
        d.fix = say(self.fix, {**values, **(self.fix_values(facts) if self.fix_values else {})})
        if self.fix_more and self.more_values is not None:
            more = self.more_values(facts)
            if more is not None:
                d.fix += " " + say(self.fix_more, {**values, **more})
        d.help_url = self.help_link(facts)
        changes = self.suggest(facts) if callable(self.suggest) else self.suggest
        if changes:
            _suggest(d, facts.profile, **changes)
        return True

    def help_link(self, facts: Facts) -> str:
        """The first link `help` gives: a link as it is, a key from the provider's help."""
        if callable(self.help):
            return self.help(facts)
        for key in self.help:
            link = key if key.startswith("https://") else facts.help(key)
            if link:
                return link
        return ""


def say(sentences: Sentences, values: dict[str, Any]) -> str:
    """The sentences in the user's language, placeholders filled, joined with a space."""
    parts = (sentences,) if isinstance(sentences, str) else sentences
    # Only a sentence written with placeholders is formatted: a translation is never read as
    # a format string where the English is not one.
    return " ".join(_(s).format(**values) if "{" in s else _(s) for s in parts if s)


def first_match(rules: Iterable[Rule], facts: Facts) -> Rule | None:
    """The first rule that matches (the table's order is the order of the checks)."""
    return next((r for r in rules if r.matches(facts)), None)


def diagnose_by(rules: Iterable[Rule], d: Diagnosis, facts: Facts) -> Rule | None:
    """Fill `d` from the first rule that matches and applies; that rule, or None."""
    for rule in rules:
        if rule.matches(facts) and rule.apply(d, facts):
            return rule
    return None
