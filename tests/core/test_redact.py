"""Secrets are masked in every text that leaves the check."""

from __future__ import annotations

from mailwizard.core.redact import redact


def test_http_authorization_headers_are_masked_whatever_the_scheme():
    for scheme in ("Basic", "NTLM", "Negotiate", "Bearer"):
        line = f"Request headers: {{'Authorization': '{scheme} dXNlcjpwYXNz+/=', 'Accept': '*/*'}}"
        out = redact(line)
        assert "dXNlcjpwYXNz" not in out and f"'Authorization': '{scheme} ********'" in out


def test_url_encoded_and_quoted_printable_forms_are_masked_too():
    from mailwizard.core.redact import register_secret

    register_secret("p@ss wörd/1")
    for echoed in ("p%40ss%20w%C3%B6rd%2F1", "p%40ss+w%c3%b6rd%2f1", "p%40ss%20w%C3%B6rd/1",
                   "p@ss=20w=C3=B6rd/1", "p@ss_w=C3=B6rd/1"):
        assert redact(f"server said: {echoed}!") == "server said: ********!", echoed


def test_control_characters_from_a_server_are_shown_not_obeyed():
    from mailwizard.core.redact import safe_text

    hostile = "220 \x1b]0;owned\x07\x1b[31mred\x9b2J\r\u202eevil\x00 ok\tand\nnext"
    shown = safe_text(hostile)
    assert shown == ("220 \\u001b]0;owned\\u0007\\u001b[31mred\\u009b2J\\u000d\\u202eevil"
                     "\\u0000 ok\tand\nnext")
    assert redact(hostile) == shown
    import json

    assert json.loads('"' + shown.replace("\t", "\\t").replace("\n", "\\n") + '"') == hostile


def test_a_secret_that_is_another_secrets_encoding_gets_its_own_forms():
    """Registering a secret again costs nothing (a check registers its password on every run),
    but a new secret that happens to be an encoded form of an earlier one is still registered
    with every form of its own."""
    import base64

    from mailwizard.core.redact import register_secret

    first = "Hunter-2-redact-twice"
    second = base64.b64encode(first.encode()).decode()  # already masked as first's form
    register_secret(first)
    register_secret(first)
    register_secret(second)
    assert redact(f"said {first} and {second}") == "said ******** and ********"
    inside_auth = base64.b64encode(b"\0user\0" + second.encode()).decode()
    assert second not in redact(inside_auth) and redact(inside_auth).count("********") == 1
    assert redact(base64.b64encode(second.encode()).decode()) == "********"
