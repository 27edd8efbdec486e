"""Compile a checkout of Thunderbird's provider database (the ISPDB: the `ispdb/` folder of
the thunderbird/autoconfig repository, with its SOURCE.md and LICENSE, as in ../shared/ispdb/)
into mailwizard's offline copy, resources/ispdb.json, and its licence notice beside it
(resources/ispdb-LICENSE.txt, the MPL-2.0 text the files are published under).

Only facts are kept: each provider file's domains (and the ones a comment there marks as
MX names), its SMTP servers in their order (host, port, socket type, authentication methods,
user name pattern) and its documentation links; the source commit and its date from
SOURCE.md, and the date the facts were read (`--read`, default today; `--check` keeps the
committed file's).

    .venv/bin/python scripts/compile_ispdb.py ../shared/ispdb            # write resources/
    .venv/bin/python scripts/compile_ispdb.py ../shared/ispdb --check    # exit 1 if it differs

The XML is parsed with defusedxml (no DTDs, no entities), already a runtime dependency."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from xml.etree.ElementTree import TreeBuilder

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "resources" / "ispdb.json"
NOTICE = ROOT / "resources" / "ispdb-LICENSE.txt"
FORMAT = 1

SOCKETS = {"ssl": "ssl", "tls": "ssl", "starttls": "starttls", "plain": "plain"}
_MX_COMMENT = re.compile(r"\bMX\b")


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def parse_file(path: Path, problems: list[str]) -> list[dict]:
    """The providers one file describes (usually one)."""
    import defusedxml.ElementTree as DET
    from xml.etree.ElementTree import Comment

    parser = DET.DefusedXMLParser(target=TreeBuilder(insert_comments=True), forbid_dtd=True,
                                  forbid_entities=True, forbid_external=True)
    root = DET.parse(str(path), parser=parser).getroot()
    if _local(root.tag) != "clientConfig":
        problems.append(f"{path.name}: root is {_local(root.tag)!r}, skipped")
        return []
    out = []
    for prov in root:
        if _local(prov.tag) != "emailProvider":
            continue
        domains: list[str] = []
        mx: list[str] = []
        smtp: list[dict] = []
        docs: list[str] = []
        name = ""
        in_mx = False
        for el in prov:
            if el.tag is Comment:
                in_mx = bool(_MX_COMMENT.search(el.text or ""))
                continue
            tag = _local(el.tag)
            if tag == "domain":
                d = (el.text or "").strip().lower().rstrip(".")
                if d and d not in domains:
                    domains.append(d)
                    if in_mx:
                        mx.append(d)
                continue
            in_mx = False
            if tag == "displayName" and not name:
                name = (el.text or "").strip()
            elif tag == "documentation" and el.get("url"):
                docs.append(el.get("url").strip())
            elif tag == "outgoingServer" and el.get("type") == "smtp":
                server = _server(el, path.name, problems)
                if server:
                    smtp.append(server)
        if not domains or not smtp:
            problems.append(f"{path.name}: provider {prov.get('id')!r} without domains or "
                            "a usable SMTP server, skipped")
            continue
        out.append({"file": path.name, "id": prov.get("id", ""), "name": name,
                    "domains": domains, "mx": mx, "smtp": smtp, "help": docs})
    return out


def _server(el, file: str, problems: list[str]) -> dict | None:
    def text(name: str) -> str:
        for child in el:
            if _local(child.tag) == name:
                return (child.text or "").strip()
        return ""

    host, port = text("hostname").lower().rstrip("."), text("port")
    socket = SOCKETS.get(text("socketType").lower())
    auth = [(c.text or "").strip() for c in el if _local(c.tag) == "authentication"]
    if not host or not port.isdigit() or not 0 < int(port) < 65536 or socket is None \
            or any(c in host for c in "/ @:"):
        problems.append(f"{file}: SMTP entry {host}:{port} {text('socketType')} skipped")
        return None
    return {"host": host, "port": int(port), "socket": socket, "auth": auth,
            "username": text("username")}


def source_of(folder: Path) -> dict:
    """The commit and its date from SOURCE.md."""
    text = (folder / "SOURCE.md").read_text(encoding="utf-8")
    commit = re.search(r"\b([0-9a-f]{40})\b", text)
    date = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", text[commit.end():] if commit else text)
    repo = re.search(r"`([\w.-]+/[\w.-]+)` repository", text)
    if not commit or not date:
        raise SystemExit(f"{folder / 'SOURCE.md'}: no commit or date found")
    return {"name": "Thunderbird ISPDB", "repository": repo.group(1) if repo else "",
            "folder": "ispdb/", "commit": commit.group(1), "commit_date": date.group(1),
            "licence": "MPL-2.0", "notice": NOTICE.name}


def compile_folder(folder: Path, read: str) -> tuple[dict, list[str]]:
    problems: list[str] = []
    providers: list[dict] = []
    for path in sorted(folder.glob("*.xml")):
        providers.extend(parse_file(path, problems))
    owner: dict[str, str] = {}
    for p in providers:
        for d in p["domains"]:
            if d in owner:
                problems.append(f"{d}: in {owner[d]} and {p['file']}; the first is kept")
            else:
                owner[d] = p["file"]
    data = {"format": FORMAT, "source": {**source_of(folder), "read": read},
            "providers": providers}
    return data, problems


def dumps(data: dict) -> str:
    """One provider a line: small, and a newer checkout's changes read well in a diff."""
    head = {k: v for k, v in data.items() if k != "providers"}
    lines = ["{", *(f"{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in
                    head.items()), '"providers": [']
    rows = [json.dumps(p, ensure_ascii=False, separators=(",", ":")) for p in data["providers"]]
    lines.append(",\n".join(rows))
    lines += ["]", "}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folder", type=Path, help="the ispdb folder (with SOURCE.md and LICENSE)")
    ap.add_argument("--read", help="the date the facts were read (default: today; with "
                    "--check: the committed file's)")
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed files instead of writing them")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    read = args.read
    if read is None and args.check and args.out.exists():
        read = json.loads(args.out.read_text(encoding="utf-8"))["source"]["read"]
    data, problems = compile_folder(args.folder, read or dt.date.today().isoformat())
    text = dumps(data)
    licence = (args.folder / "LICENSE").read_text(encoding="utf-8")
    notice = args.out.parent / NOTICE.name
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text and \
            notice.exists() and notice.read_text(encoding="utf-8") == licence
        print("up to date" if same else f"{args.out} differs from a fresh compile of "
              f"{args.folder}: run scripts/compile_ispdb.py {args.folder}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    notice.write_text(licence, encoding="utf-8")
    n = sum(len(p["domains"]) for p in data["providers"])
    print(f"{args.out}: {len(data['providers'])} providers, {n} domains, "
          f"{len(text)} bytes; {notice.name} written")
    for p in problems:
        print("  note: " + p, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
