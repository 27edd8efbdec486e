"""The check of a connected (OAuth) account: a fresh access token from the refresh token
(stage "token"), then the SMTP check signing in with XOAUTH2 — same stages, rules and
diagnosis as the password path."""

from __future__ import annotations

from mailwizard.core.oauth.flow import ClientSettings, OAuthError, Tokens
from mailwizard.core.profile import Profile
from mailwizard.core.redact import redact, register_secret
from mailwizard.core.checks.smtp import CheckFailure, SmtpCheck


class OAuthSmtpCheck(SmtpCheck):
    def __init__(self, profile: Profile, refresh_token: str | None = None, *,
                 access_token: str | None = None, client: ClientSettings | None = None,
                 **kwargs):
        super().__init__(profile, None, xoauth2_token=access_token, **kwargs)
        self._refresh_token = refresh_token
        register_secret(refresh_token)
        self._client = client
        #: the tokens a refresh produced (the caller stores a rotated refresh token)
        self.new_tokens: Tokens | None = None

    def _run_stages(self):
        if not self._xoauth2_token:
            from mailwizard.core.oauth.account import fresh_tokens

            self._begin("token")
            self.new_tokens = fresh_tokens(self.profile, self._refresh_token or "",
                                           client=self._client,
                                           timeout=float(self.profile.timeout))
            self._xoauth2_token = self.new_tokens.access_token
            self._ok("a fresh access token")
        return super()._run_stages()

    def run(self):
        result = super().run()
        new = self.new_tokens
        if new is not None and new.refresh_token and new.refresh_token != self._refresh_token:
            result.rotated_secret = new.refresh_token
        return result

    def _failure_from(self, exc: BaseException) -> CheckFailure:
        if isinstance(exc, OAuthError) and not self._cancel.is_set():
            return CheckFailure(stage=self._stage, kind="oauth_" + exc.kind,
                                message=redact(exc.message), reply=redact(exc.detail or ""),
                                exception="OAuthError", fix=exc.fix, help_url=exc.help_url)
        return super()._failure_from(exc)
