"""The fonts that travel with the program (resources/fonts/, mailwizard/gui/fonts.py): on a
computer whose fonts cannot write the language's script, the wizard registers its own and draws
every letter of its first page; where the system has a font, it registers nothing. Each case is
a real wizard process (tests/gui/font_probe.py) under a real fontconfig configuration: a
throw-away fonts.conf that lists only DejaVu (no Devanagari, no Tamil) stands for a desktop
without the fonts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mailwizard.core import i18n
from mailwizard.gui.fonts import FILES

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
#: what the wizard shows of each script: Hindi has a catalogue, Tamil's lands with ta.po
SCRIPT_LANGUAGES = sorted({lang for lang in i18n.SCRIPTS
                           if (ROOT / "resources" / "locale" / f"{lang}.po").is_file()})


@pytest.fixture(scope="module")
def no_script_fonts(tmp_path_factory) -> Path:
    """A fontconfig configuration with the DejaVu fonts only."""
    assert DEJAVU.is_dir(), f"{DEJAVU} is missing: install fonts-dejavu-core"
    folder = tmp_path_factory.mktemp("fontconfig")
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM '
                    '"urn:fontconfig:fonts.dtd">\n<fontconfig>\n'
                    f"  <dir>{DEJAVU}</dir>\n  <cachedir>{folder / 'cache'}</cachedir>\n"
                    "</fontconfig>\n", encoding="utf-8")
    return conf


def probe(tmp_path: Path, *args: str, fontconfig: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAILWIZARD_LANG", "FONTCONFIG_FILE", "FONTCONFIG_PATH")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"),
               LC_ALL="C.UTF-8")
    if fontconfig is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig)
    run = subprocess.run([sys.executable, str(HERE / "font_probe.py"), "--config",
                          str(tmp_path / "mail-settings.json"), *args],
                         env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_every_script_has_its_bundled_fonts_and_licence():
    fonts = ROOT / "resources" / "fonts"
    for script in set(i18n.SCRIPTS.values()):
        for name in FILES[script]:
            assert (fonts / name).stat().st_size > 50_000, name
    assert "SIL Open Font License" in (fonts / "OFL.txt").read_text(encoding="utf-8")
    assert "fonts-noto-core" in (fonts / "README.md").read_text(encoding="utf-8")


def test_the_control_without_bundled_fonts_draws_boxes(tmp_path, no_script_fonts):
    """The configuration really has no Devanagari: without our fonts, letters are missing
    (what the release bundle showed, issue 26)."""
    out = probe(tmp_path, "--lang", "hi", "--no-bundled", fontconfig=no_script_fonts)
    assert out["language"] == "hi"
    assert out["supported"] is False and out["missing"], out


@pytest.mark.parametrize("lang", SCRIPT_LANGUAGES)
def test_without_a_system_font_the_bundled_one_is_registered(tmp_path, no_script_fonts, lang):
    png = tmp_path / f"first-page-{lang}.png"
    out = probe(tmp_path, "--lang", lang, "--png", str(png), fontconfig=no_script_fonts)
    family = {"Devanagari": "Noto Sans Devanagari", "Tamil": "Noto Sans Tamil"}
    assert out["language"] == lang
    # the language's own script, and only those the list's other names need ("தமிழ்" beside
    # "हिन्दी")
    assert family[i18n.SCRIPTS[lang]] in out["registered"], out
    assert set(out["registered"]) <= set(family.values()), out
    assert out["supported"] is True
    assert out["letters"] > 20 and out["missing"] == [], out
    assert png.stat().st_size > 10_000


@pytest.mark.parametrize("lang", SCRIPT_LANGUAGES)
def test_with_the_system_font_nothing_is_registered(tmp_path, lang):
    out = probe(tmp_path, "--lang", lang)
    assert out["supported"] is True and out["missing"] == [], out
    assert out["registered"] == []


def test_in_english_the_language_list_still_names_each_language_in_its_script(
        tmp_path, no_script_fonts):
    """The first page's language list writes "हिन्दी" (and "தமிழ்" once Tamil has a
    catalogue) whatever the language in use: those scripts' fonts are registered for it."""
    out = probe(tmp_path, "--lang", "en", fontconfig=no_script_fonts)
    family = {"Devanagari": "Noto Sans Devanagari", "Tamil": "Noto Sans Tamil"}
    assert out["registered"] == sorted({family[i18n.SCRIPTS[lang]]
                                        for lang in SCRIPT_LANGUAGES}), out
    assert out["letters"] >= 5 and out["missing"] == [], out


def test_in_english_with_system_fonts_nothing_is_registered(tmp_path):
    out = probe(tmp_path, "--lang", "en")
    assert out["registered"] == [] and out["missing"] == [], out
