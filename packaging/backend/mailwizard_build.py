"""The build backend named in pyproject.toml: setuptools' own, with one notice left out.

Since setuptools 70, every editable install (`pip install -e .`, as scripts/test.sh does) of a
project whose packages are not all under one source folder (here mailwizard/ beside resources/,
installed as mailwizard.resources) goes through setuptools' import finder, and that prints a
10-line "Editable installation. Please be careful with folders in your working directory with
the same name as your package" notice (an InformationOnly warning, not a fault). Its cause is
the layout, which only a src/ layout removes; until then this keeps the install quiet. Every
other warning, and every other build, is setuptools' unchanged.
"""

import warnings

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403 - the whole PEP 517/660 interface


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    from setuptools.warnings import InformationOnly

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Editable installation\.",
                                category=InformationOnly)
        return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
