"""A keyring setting that names no real backend (a wrong PYTHON_KEYRING_BACKEND) is explained
in words with exit code 5, never a traceback."""

from __future__ import annotations


import pytest
from conftest import USER
from support.cli import mailwizard

from mailwizard.core import exitcodes as ec


@pytest.mark.parametrize("setting", ["nosuch.Backend", "keyring.backends.nosuch.Keyring",
                                     "keyring.backends.SecretService.Nope",
                                     ""])  # keyring reads an empty one too, and fails
def test_a_wrong_keyring_backend_setting_is_exit_5_with_words(tmp_path, setting):
    from mailwizard.core.store.config import SavedSettings, write_config
    from mailwizard.core.profile import Profile
    from mailwizard.core.store.secrets import SecretRef

    env = {"PYTHON_KEYRING_BACKEND": setting, "HOME": str(tmp_path)}
    p = mailwizard("save", "--host", "127.0.0.1", "--port", "587", "--security", "starttls",
                   "--username", USER, "--from", USER, "--password-stdin", "--config",
                   str(tmp_path / "m.json"), stdin="pw\n", env=env)
    assert p.returncode == ec.SECRET_STORE == 5, p.stderr
    assert "Traceback" not in p.stderr
    assert f"PYTHON_KEYRING_BACKEND=“{setting}” names a keyring that does not exist" in p.stderr
    assert "Remove that setting, or correct it" in p.stderr
    assert not (tmp_path / "m.json").exists()

    config = tmp_path / "saved.json"
    profile = Profile(host="127.0.0.1", port=587, security="starttls", username=USER,
                      from_address=USER)
    write_config(SavedSettings(profile=profile, secret=SecretRef("default"),
                               profile_name="default"), config)
    p = mailwizard("check", "--config", str(config), env=env)
    assert p.returncode == 5 and "Traceback" not in p.stderr
    assert "PYTHON_KEYRING_BACKEND" in p.stderr
