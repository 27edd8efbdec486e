"""Run-time hook in place of PyInstaller's pyi_rth_pyside6, which imports PySide6.QtCore at
every start (≈ 60 ms measured) to register the bundle's qt.conf, so that Qt finds its plugins
and translations in the bundle. The command line never uses Qt: here the same registration
happens right after the program's own first import of PySide6.QtCore. Written for the Linux
and Windows bundles (the stock hook's macOS .app handling is not repeated here)."""


def _install():
    # Plain classes, not importlib.abc's: in Python 3.11 importing importlib.abc imports
    # importlib.resources, tempfile, random, shutil, bz2 and lzma (≈ 10-20 ms of every start).
    # The import system asks only for these methods.
    import os
    import sys

    if sys.platform.startswith("win"):
        qt_path = os.path.join(sys._MEIPASS, "PySide6")
        os.environ["PATH"] = sys._MEIPASS + os.pathsep + os.environ.get("PATH", "")
    else:
        qt_path = os.path.join(sys._MEIPASS, "PySide6", "Qt")
    os.environ["QT_PLUGIN_PATH"] = os.path.join(qt_path, "plugins")

    class AfterQtCore:
        def __init__(self, loader):
            self.loader = loader

        def create_module(self, spec):
            return self.loader.create_module(spec)

        def exec_module(self, module):
            self.loader.exec_module(module)
            from _pyi_rth_utils import qt  # PyInstaller's own helper, as its hook uses it

            qt.create_embedded_qt_conf("PySide6", qt_path)

    class QtCoreFinder:
        def find_spec(self, name, path, target=None):
            if name != "PySide6.QtCore":
                return None
            sys.meta_path.remove(self)
            for finder in sys.meta_path:
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    spec.loader = AfterQtCore(spec.loader)
                    return spec
            return None

    sys.meta_path.insert(0, QtCoreFinder())


_install()
del _install
