"""The build backend named in pyproject.toml: setuptools' own, with one notice left out.

Since setuptools 70, every editable install (`pip install -e .`, as scripts/test.sh does) of a
project whose packages are not all under one source folder (here mailwizard/ beside resources/,
installed as mailwizard.resources) goes through setuptools' import finder, and that prints a
10-line "Editable installation. Please be careful with folders in your working directory with
the same name as your package" notice (an InformationOnly warning, not a fault). Its cause is
the layout, which only a src/ layout removes; until then this keeps the install quiet. Every
other warning, and every other build, is setuptools' unchanged.
"""

import sys
import warnings
from pathlib import Path

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403 - the whole PEP 517/660 interface


def _compile_catalogues() -> None:
    """resources/locale/<language>.po → …/LC_MESSAGES/mailwizard.mo (catalogues.py), so the
    wheel and an editable install carry the compiled translations."""
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from catalogues import compile_all
    finally:
        sys.path.pop(0)
    compile_all(Path.cwd())


def _quiet_locale():
    """setuptools takes resources/locale/ and resources/fonts/ (data: the catalogues and the
    fonts, in package-data) for packages it would leave out, and says so in 25 lines each; they
    are not packages."""
    warnings.filterwarnings("ignore",
                            message=r"Package 'mailwizard\.resources\.(locale|fonts)'")


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    _compile_catalogues()
    with warnings.catch_warnings():
        _quiet_locale()
        return _setuptools.build_wheel(wheel_directory, config_settings, metadata_directory)


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    from setuptools.warnings import InformationOnly

    _compile_catalogues()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Editable installation\.",
                                category=InformationOnly)
        _quiet_locale()
        return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
