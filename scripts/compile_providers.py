"""Compile the provider presets as authored (resources/providers.toml: every fact with its
source and the date it was verified) into the form the program reads at start-up,
resources/providers.json: the same tables, key for key, as JSON.

Why: reading the TOML costs ≈ 10-14 ms of every `mailwizard discover` and wizard start
(tomllib's import and its parser), the same data as JSON ≈ 0.2 ms. The TOML stays the one
place a fact is edited; this file is written from it and never by hand.

    .venv/bin/python scripts/compile_providers.py            # write resources/providers.json
    .venv/bin/python scripts/compile_providers.py --check    # exit 1 if it differs

tests/core/test_providers.py runs `--check`, so a stale compiled file fails the suite."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "providers.toml"
OUT = ROOT / "resources" / "providers.json"
FORMAT = 1


def compile_text(toml_text: str) -> str:
    """The JSON text for a providers.toml text: a header naming where it comes from, then
    the TOML's tables unchanged (one key a line, so a changed fact reads well in a diff)."""
    data = tomllib.loads(toml_text)
    wrapped = {"format": FORMAT,
               "compiled_from": f"resources/{SOURCE.name} by scripts/{Path(__file__).name}: "
                                "edit the TOML, then run the script",
               "data": data}
    # TOML dates and times have no JSON form: the facts' dates are strings, and must stay so
    return json.dumps(wrapped, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed file instead of writing it")
    ap.add_argument("--source", type=Path, default=SOURCE)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    text = compile_text(args.source.read_text(encoding="utf-8"))
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} differs from a fresh compile of "
              f"{args.source}: run scripts/compile_providers.py")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(text)} bytes from {args.source}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
