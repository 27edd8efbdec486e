"""Secrets in the real Secret Service (gnome-keyring), and no plaintext fallback."""

from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backends import null

from mailwizard.core.store.config import ConfigError
from mailwizard.core.store.secrets import (SecretRef, SecretReplacement, SecretStoreUnavailable,
                                     check_available, delete_secret, get_secret, set_secret)


def test_store_read_replace_delete(secret_service):
    ref = SecretRef(f"t-{uuid.uuid4().hex[:8]}")
    set_secret(ref, "first")
    assert get_secret(ref) == "first"
    # What the host ERP does: read it with plain keyring under the documented names.
    assert keyring.get_password("mailwizard", f"{ref.profile}/password") == "first"
    set_secret(ref, "second")
    assert get_secret(ref) == "second"
    assert delete_secret(ref) and get_secret(ref) is None


def test_replacement_restores_the_old_secret_when_the_save_fails(secret_service):
    ref = SecretRef(f"t-{uuid.uuid4().hex[:8]}")
    set_secret(ref, "old-password")
    with pytest.raises(ConfigError):
        with SecretReplacement(ref, "new-password"):
            assert get_secret(ref) == "new-password"
            raise ConfigError("disk full")
    assert get_secret(ref) == "old-password"
    fresh = SecretRef(f"t-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ConfigError):
        with SecretReplacement(fresh, "never-kept"):
            raise ConfigError("disk full")
    assert get_secret(fresh) is None


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(before)


def test_no_usable_backend_is_a_clear_error_not_a_file(no_keyring, tmp_path):
    with pytest.raises(SecretStoreUnavailable, match="never stores passwords in a plain file"):
        check_available()
    with pytest.raises(SecretStoreUnavailable):
        set_secret(SecretRef("x"), "pw")


def test_a_plaintext_backend_is_refused(tmp_path):
    class PlaintextKeyring(null.Keyring):  # what keyrings.alt would offer
        priority = 1

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    before = keyring.get_keyring()
    keyring.set_keyring(PlaintextKeyring())
    try:
        with pytest.raises(SecretStoreUnavailable, match="unsafe"):
            check_available()
    finally:
        keyring.set_keyring(before)
