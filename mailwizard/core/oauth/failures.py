"""Every way signing in or refreshing a token can fail, in plain words (what happened, what
to do next, where to read more) for the wizard and the command line; the provider's own error
code only as the detail for IT."""

from __future__ import annotations

from mailwizard.core.i18n import _, ngettext
from mailwizard.core.oauth.errors import OAuthError
from mailwizard.core.oauth.providers import ClientSettings, OAuthProvider, not_configured_help

# -- words for each failure -----------------------------------------------------------------
def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or url


def _error(kind: str, provider: OAuthProvider, client: ClientSettings | None = None, *,
           detail: str = "", timeout: float = 0, scope_missing: bool = False) -> OAuthError:
    short = provider.name.split(" (")[0]
    if kind == "not_configured":
        return OAuthError(kind, _("Signing in with {provider} has not been set up on this "
                                  "computer yet.").format(provider=short),
                          not_configured_help(provider.id), provider.register_url, detail)
    if kind == "cancelled":
        return OAuthError(kind, _("You cancelled the sign-in."),
                          _("Choose Connect again when you are ready."), "", detail)
    if kind == "timeout":
        return _timed_out(short, timeout, detail)
    if kind == "state_mismatch":
        return OAuthError(kind, _("An answer reached mailwizard that did not belong to this "
                                  "sign-in, so mailwizard ignored it for your safety."),
                          _("Close any other sign-in windows in your browser and choose "
                            "Connect again."), "", detail)
    if kind == "denied":
        return _denied(provider, short, detail, scope_missing)
    if kind == "admin_consent":
        return _needs_admin_consent(provider, short, client, detail)
    if kind == "invalid_grant":
        return OAuthError(
            kind, _("mailwizard's sign-in with {provider} is no longer valid, so you need to "
                    "sign in again.").format(provider=short),
            _("Choose Connect and sign in again. This happens after a password change, when "
              "someone removed mailwizard's access, or after a long time without use."),
            provider.help_url, detail)
    if kind == "invalid_client":
        return _client_refused(provider, short, client, detail)
    if kind == "network":
        return OAuthError(kind, _("mailwizard could not reach {host} to finish signing in with "
                                  "{provider}.").format(host=_host(provider.token_url),
                                                        provider=short),
                          _("Check this computer's internet connection, VPN or proxy "
                            "settings, then try again."), "", detail)
    if kind == "tls":
        return OAuthError(
            kind, _("mailwizard could not make a secure connection to {host}: its security "
                    "certificate was not accepted.").format(host=_host(provider.token_url)),
            _("Do not sign in until this is solved. Something on this network (for example a "
              "firewall or an antivirus “web protection”) may be intercepting secure "
              "connections: ask IT."), "", detail)
    return OAuthError("server", _("{provider} could not complete the sign-in just now.").format(
                          provider=short),
                      _("Try again in a few minutes. If it keeps happening, send the details "
                        "to IT support."), provider.help_url, detail)


def _timed_out(short: str, timeout: float, detail: str) -> OAuthError:
    """The sign-in was not finished in `timeout` seconds (said in minutes from one up)."""
    if timeout >= 60:
        minutes = round(timeout / 60)
        message = ngettext("The sign-in with {provider} was not finished within {n} minute.",
                           "The sign-in with {provider} was not finished within {n} "
                           "minutes.", minutes).format(provider=short, n=minutes)
    elif timeout:
        message = ngettext("The sign-in with {provider} was not finished within {n} second.",
                           "The sign-in with {provider} was not finished within {n} "
                           "seconds.",
                           int(timeout) if float(timeout).is_integer() else 2).format(
            provider=short, n=f"{timeout:g}")
    else:
        message = _("The sign-in with {provider} was not finished.").format(provider=short)
    return OAuthError("timeout", message,
                      _("Choose Connect again and finish signing in in the browser window "
                        "that opens. If no window opens, copy the sign-in address shown "
                        "and paste it into your web browser."), "", detail)


def _denied(provider: OAuthProvider, short: str, detail: str,
            scope_missing: bool) -> OAuthError:
    """The user (or the provider) did not allow the sign-in, or left out sending email."""
    if scope_missing:
        return OAuthError("denied", _("{provider} signed you in, but the permission to send "
                                      "email was not given.").format(provider=short),
                          _("Choose Connect again and, on the page that lists what "
                            "mailwizard may do, tick the permission for email."),
                          provider.help_url, detail)
    return OAuthError("denied", _("{provider} says the sign-in was not allowed. Perhaps Cancel "
                                  "was chosen, or access was not allowed.").format(
                                      provider=short),
                      _("Choose Connect again and, when asked, allow mailwizard to send "
                        "email from your account."), provider.help_url, detail)


def _needs_admin_consent(provider: OAuthProvider, short: str, client: ClientSettings | None,
                         detail: str) -> OAuthError:
    """The organisation must approve the app first (Microsoft: admin consent in Entra)."""
    client_id = client.client_id if client else ""
    if provider.has_tenants:
        return OAuthError(
            "admin_consent", _("Your organisation must approve mailwizard's sign-in first."),
            _("Ask your Microsoft 365 administrator to grant admin consent for the app "
              "with client ID {client_id} (Microsoft Entra admin center: App "
              "registrations or Enterprise applications, API permissions, “Grant admin "
              "consent”). Then choose Connect again.").format(client_id=client_id),
            provider.consent_url or provider.help_url, detail)
    return OAuthError(
        "admin_consent",
        _("Your organisation's administrator must allow mailwizard's sign-in first."),
        _("Ask your {provider} administrator to allow the app with client ID {client_id}. "
          "Then choose Connect again.").format(provider=short, client_id=client_id),
        provider.help_url, detail)


def _client_refused(provider: OAuthProvider, short: str, client: ClientSettings | None,
                    detail: str) -> OAuthError:
    """The provider does not know this installation's app registration (client ID, tenant)."""
    client_id = client.client_id if client else ""
    if client and client.tenant:
        message = _("{provider} does not accept this installation's app registration "
                    "(client ID {client_id} and tenant {tenant}).").format(
            provider=short, client_id=client_id, tenant=client.tenant)
    else:
        message = _("{provider} does not accept this installation's app registration "
                    "(client ID {client_id}).").format(provider=short, client_id=client_id)
    if provider.has_tenants:
        fix = _("Ask whoever set up mailwizard (your IT or ERP vendor) to check the client "
                "ID, the tenant, and that the app is registered under “Mobile and desktop "
                "applications” with the redirect URI {uri}.").format(uri="http://localhost")
    else:
        fix = _("Ask whoever set up mailwizard (your IT or ERP vendor) to check the client "
                "ID and that it is an OAuth client of the type “Desktop app”.")
    return OAuthError("invalid_client", message, fix,
                      provider.register_url or provider.help_url, detail)
