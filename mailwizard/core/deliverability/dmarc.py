"""DMARC (RFC 7489) for one From domain: the record at `_dmarc.DOMAIN`, else the nearest one
above it (the organisational domain's, whose `sp=` then applies), its policy and alignment
modes.

The organisational domain is found by walking up the name (the DNS tree walk of DMARCbis,
the revision of RFC 7489) instead of the Public Suffix List: no list to ship and keep current, and a
registry suffix (co.in, com) publishes no DMARC record, so the walk stops at the first record
the domain's owners published. At most 5 names are asked."""

from __future__ import annotations

from dataclasses import dataclass, field

from mailwizard.core.i18n import _

MAX_WALK = 5


@dataclass
class Dmarc:
    domain: str                 # the From domain asked about
    found_at: str = ""          # where the record was found ("" = none)
    record: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    error: str = ""             # "multiple" / "syntax: …" (then no policy applies)

    @property
    def found(self) -> bool:
        return bool(self.record) and not self.error

    @property
    def inherited(self) -> bool:
        """The policy comes from a parent (organisational) domain."""
        return self.found and self.found_at != self.domain

    @property
    def policy(self) -> str:
        """The policy that applies to mail from `domain`: none | quarantine | reject | ""."""
        if not self.found:
            return ""
        p = self.tags.get("p", "")
        if self.inherited:
            p = self.tags.get("sp", p)
        return p if p in ("none", "quarantine", "reject") else "none"

    @property
    def adkim(self) -> str:
        return "s" if self.tags.get("adkim") == "s" else "r"

    @property
    def aspf(self) -> str:
        return "s" if self.tags.get("aspf") == "s" else "r"

    def words(self) -> str:
        """The policy in English words (the check's sentences are in
        deliverability/check.py's `_policy_why`, in the user's language)."""
        return {"reject": "reject (refuse) mail that fails the check",
                "quarantine": "put mail that fails the check in spam",
                "none": "only report mail that fails the check"}.get(self.policy, "no policy")


def parse(record: str) -> dict[str, str]:
    """The tags of a DMARC record. Raises ValueError when it is not one (RFC 7489 6.3: v=DMARC1
    first; p required, though 6.6.3 lets a record with rua but no p count as p=none)."""
    parts = [p.strip() for p in record.split(";") if p.strip()]
    tags: dict[str, str] = {}
    for part in parts:
        k, eq, v = part.partition("=")
        if not eq:
            raise ValueError(_("“{part}” is not a tag=value pair").format(part=part))
        tags.setdefault(k.strip().lower(), v.strip())
    if not parts or parts[0].replace(" ", "").lower() != "v=dmarc1":
        raise ValueError(_("a DMARC record must start with v=DMARC1"))
    p = tags.get("p", "").lower()
    if p and p not in ("none", "quarantine", "reject"):
        raise ValueError(_("p={p} is not a DMARC policy (none, quarantine or reject)").format(
            p=p))
    if not p and "rua" not in tags:
        raise ValueError(_("the p= tag (the policy) is missing"))
    tags["p"] = p or "none"
    for k in ("sp", "adkim", "aspf"):
        if k in tags:
            tags[k] = tags[k].lower()
    return tags


def lookup(dns, domain: str) -> Dmarc:
    """The DMARC record that applies to `domain`. DnsUnavailable propagates."""
    domain = domain.lower().rstrip(".")
    result = Dmarc(domain)
    labels = domain.split(".")
    for i in range(min(len(labels) - 1, MAX_WALK)):
        name = ".".join(labels[i:])
        found = [t for t in dns.txt(f"_dmarc.{name}") if t.strip().lower().startswith("v=dmarc1")]
        if not found:
            continue
        result.found_at, result.record = name, found[0].strip()
        if len(found) > 1:
            result.error = "multiple"
        else:
            try:
                result.tags = parse(found[0])
            except ValueError as exc:
                result.error = f"syntax: {exc}"
        return result
    return result


def aligned(domain_a: str, domain_b: str, mode: str) -> bool:
    """Identifier alignment: strict = the same name; relaxed = one is the other or below it
    (an approximation of "same organisational domain" that never over-claims)."""
    a, b = domain_a.lower().rstrip("."), domain_b.lower().rstrip(".")
    if mode == "s":
        return a == b
    return a == b or a.endswith("." + b) or b.endswith("." + a)
