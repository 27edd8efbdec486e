"""Replaces the contributed lxml hook, which bundles every lxml submodule (objectify alone is
≈ 2.9 MB). exchangelib only imports lxml.etree; the contributed lxml.etree hook adds what
etree itself imports from C (lxml._elementpath)."""

hiddenimports = []
