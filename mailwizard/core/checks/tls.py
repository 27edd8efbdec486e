"""The TLS contexts of every check: verifying (system CAs plus an optional CA file, TLS 1.2 or
newer, or one explicitly pinned certificate), and the describe-only one that reads a refused
certificate to show it."""

from __future__ import annotations

import os
import ssl
import sys

from mailwizard.core.profile import Profile

_DEBIAN_CA_BUNDLE, _DEBIAN_CA_DIR = "/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/certs"


def make_tls_context(profile: Profile) -> ssl.SSLContext:
    """Verifying context (system CAs plus an optional CA file), TLS 1.2 or newer.

    With a pinned fingerprint the chain is not checked by CA; instead the one certificate the
    user explicitly trusted is compared byte for byte (by SHA-256) after the handshake."""
    ctx = ssl.create_default_context(capath=_lazy_system_cas())
    if profile.cafile:  # in addition to the system's CAs, not instead of them
        ctx.load_verify_locations(cafile=profile.cafile)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if hasattr(ctx, "keylog_filename"):
        ctx.keylog_filename = None  # never honour SSLKEYLOGFILE: it writes session keys
    if profile.pinned_sha256:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE  # replaced by the fingerprint comparison
    return ctx


def _lazy_system_cas() -> str | None:
    """On Debian and Ubuntu, the folder of the system's CAs by hash, else None (the default).

    Loading the system bundle parses every CA in it (~15-20 ms, a tenth of a whole
    `mailwizard validate`); OpenSSL's hashed folder gives the same CAs, each read only when a
    chain needs it. Used only where update-ca-certificates writes both from the same list,
    and not when SSL_CERT_FILE or SSL_CERT_DIR choose other CAs (get_default_verify_paths
    reads them)."""
    paths = ssl.get_default_verify_paths()
    if (sys.platform.startswith("linux") and paths.cafile and paths.capath
            and os.path.realpath(paths.cafile) == _DEBIAN_CA_BUNDLE
            and os.path.realpath(paths.capath) == _DEBIAN_CA_DIR):
        return _DEBIAN_CA_DIR
    return None


def _describe_only_context() -> ssl.SSLContext:
    # Used only to *read* a certificate we already refused, to show it to the user; nothing is
    # ever sent over a connection made with it.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
