"""The help beside the account fields: the provider's (the special password it needs, its
2-Step Verification and app-password steps, limits and links) and Exchange's (what to ask IT)."""

from __future__ import annotations

from mailwizard.gui.widgets import GuidancePanel

EWS_HELP = ("https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/"
            "authentication-and-ews-in-exchange")


class ProviderGuidance(GuidancePanel):
    """The provider's help on the account page: real controls, reached with Tab after the
    fields."""

    def show_provider(self, provider, recipients_per_day: int) -> str:
        """The help for `provider` (none for my own server); returns the warning about its
        daily sending limit for `recipients_per_day`, shown beside that field, or ""."""
        self.clear()
        if provider is None:
            return ""
        from mailwizard.core.guidance import build_guidance

        g = build_guidance(provider, recipients_per_day)
        self.heading(g.title)
        self.para(g.summary)
        if g.needs_special_secret:
            self.para(self.tr("You need: {secret}").format(secret=g.secret_label), bold=True)
            self.para(g.why_special_secret)
        if g.two_step_required:
            self.para(self.tr("2-Step Verification must be turned on first."))
        if g.steps:
            self._steps(g.steps)
        if g.limit_text:
            self.para(self.tr("Sending limit: {limit}").format(limit=g.limit_text))
        for w in g.warnings:
            self.para(self.tr("Please note: {note}").format(note=w), meaning="warning")
        if g.links:
            self.para(self.tr("Help from the provider"), bold=True)
            for link in g.links:
                self.link(link.text, link.url)
        self.para(self.tr("Good practice"), bold=True)
        self.items(list(g.best_practice))
        if g.unverified_settings:
            self.para(self.tr("These server settings are our best knowledge but not "
                              "confirmed by the provider; check them under Advanced if the "
                              "test fails."))
        self.finish()
        return g.limit_warning

    def _steps(self, steps) -> None:
        """The provider's numbered steps (turn on 2-Step Verification, create an app password
        …), each with a link to the page it happens on."""
        self.para(self.tr("Steps"), bold=True)
        for i, step in enumerate(steps, 1):
            # Translators: a numbered step of the provider's instructions.
            self.para(self.tr("{number}. {step}").format(number=i, step=step.text))
            if step.url:
                self.link(self.tr("Open the page for step {number}").format(number=i),
                          step.url)


class ExchangeGuidance(GuidancePanel):
    """What to ask IT, beside the Exchange account fields."""

    def show_steps(self) -> None:
        self.clear()
        self.heading(self.tr("What to ask IT"))
        steps = [
            self.tr("The Exchange address is usually https://mail.<your domain>/EWS/"
                    "Exchange.asmx, on the same server as Outlook on the web."),
            self.tr("The user name is your Windows login: COMPANY\\jsmith or "
                    "jsmith@company.com. If you type only jsmith, fill in the domain."),
            self.tr("Windows sign-in (NTLM) is what most Exchange servers in an office use. "
                    "If the test says the server does not offer it, it tells you which one "
                    "to pick."),
            self.tr("If IT uses its own certificate authority, ask for its CA file."),
        ]
        self.items(steps, numbered=True)
        self.para(self.tr("Please note: Microsoft 365 (Exchange Online) has switched EWS off "
                          "(blocked since 1 October 2026 unless IT allowed this app, for good "
                          "on 1 April 2027). For Microsoft 365, go back and choose Web mail / "
                          "SMTP \u2192 Microsoft 365, or Connect."),
                  meaning="warning")
        self.link(self.tr("Microsoft: sign-in methods for EWS"), EWS_HELP)
        self.finish()
