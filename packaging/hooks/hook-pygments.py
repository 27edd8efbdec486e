"""Replaces PyInstaller's own pygments hook, which bundles every lexer, formatter and style
(≈ 1.8 MB of compressed bytecode per executable). Only exchangelib uses pygments: its
util.py imports XmlLexer and TerminalFormatter by name (found by the import analysis), and
the formatter looks its default style up by name at run time."""

hiddenimports = ["pygments.styles.default"]
