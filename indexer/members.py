"""Keys of member and department pages: stable, readable URL parts.

A member's key is the API's member id ("4085"). Some records name a member but
carry no id: those are keyed by a slug of the name ("name-tim-farron"), which can
never equal an id, so two members who share a name but have ids stay apart.
A department's key is a slug of its normalised name ("department-for-education").
"""

from __future__ import annotations

import re
import unicodedata

from .records import Member

NAME_PREFIX = "name-"


def slug(text: str) -> str:
    """Lower-case ASCII words joined by hyphens ("Culture, Media & Sport" -> "culture-media-and-sport")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = decomposed.encode("ascii", "ignore").decode("ascii")
    return "-".join(re.findall(r"[a-z0-9]+", plain.lower()))


def member_key(member: Member) -> str:
    """The page key of `member`: its id, else `name-` and a slug of its name."""
    if member.id is not None:
        return str(member.id)
    return NAME_PREFIX + (slug(member.name) or "unknown")


def department_key(name: str) -> str:
    """The page key of a department (its normalised name)."""
    return slug(name)
