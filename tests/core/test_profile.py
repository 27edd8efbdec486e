"""Field checks name the field and say what is expected."""

from __future__ import annotations

from mailwizard.core.profile import Profile, to_ascii_host


def errors_of(**kw):
    base = dict(host="smtp.example.org", port=587, security="starttls",
                username="a@example.org", from_address="a@example.org")
    base.update(kw)
    return {e.field: e.message for e in Profile(**base).errors()}


def test_a_good_profile_has_no_errors():
    assert errors_of() == {}


def test_internationalised_host_names_are_converted():
    assert to_ascii_host("smtp.bücher.example") == "smtp.xn--bcher-kva.example"
    assert Profile(host="smtp.bücher.example").ascii_host == "smtp.xn--bcher-kva.example"


def test_each_bad_value_names_its_field_and_what_is_expected():
    assert "587" in errors_of(port=70000)["port"]
    assert "587" in errors_of(port="abc")["port"]
    assert "Port field" in errors_of(host="smtp.example.org:587")["host"]
    assert "without http" in errors_of(host="https://smtp.example.org")["host"]
    assert "server" in errors_of(host="")["host"]
    assert "valid email" in errors_of(from_address="office@")["from_address"]
    assert "user name" in errors_of(username="")["username"]
    assert "never sent without encryption" in errors_of(security="none")["security"]
    assert "one line" in errors_of(display_name="a\r\nBcc: x@example.org")["display_name"]
    assert "64" in errors_of(pinned_sha256="abc")["pinned_sha256"]
    assert "no file" in errors_of(cafile="/nonexistent/ca.pem")["cafile"]


def test_relay_without_login_may_be_unencrypted():
    assert errors_of(security="none", auth="none", username="") == {}


def test_round_trip_through_dict():
    p = Profile(host="smtp.example.org", port=465, security="tls", username="u",
                from_address="a@example.org", display_name="Ä Society")
    assert Profile.from_dict(p.to_dict()) == p
