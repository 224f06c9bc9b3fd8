"""Short names of departments: the one table of acronyms and former names people type.

A department filter (`dept=FCDO`) or box prefix (`dept:DHSC`) naming one of
these means every name listed: the department as the index stores it (renamed
departments are stored under their successor, `normalize.DEPARTMENT_RENAMES`)
and the names it had before. Departments merged or split stay themselves in the
index; `DEPARTMENT_CHANGES` records how they relate, for department pages and
the `predecessors=1` filter. A former department's acronym means its successors
too (BEIS was split into DESNZ, DBT and DSIT), so a search by an old acronym
still finds today's answers on the same subjects. Keys are compared folded
(`fold`): case, accents and punctuation do not matter.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_FCDO = ("Foreign, Commonwealth and Development Office", "Foreign and Commonwealth Office",
         "Department for International Development")
_MHCLG = ("Ministry of Housing, Communities and Local Government",
          "Department for Levelling Up, Housing and Communities",
          "Department for Communities and Local Government")
_DHSC = ("Department of Health and Social Care", "Department of Health")
_DCMS = ("Department for Culture, Media and Sport", "Department for Digital, Culture, Media and Sport")
_BEIS = ("Department for Business, Energy and Industrial Strategy",
         "Department for Energy Security and Net Zero", "Department for Business and Trade",
         "Department for Science, Innovation and Technology")
_TREASURY = ("HM Treasury", "Treasury")

DEPARTMENT_ACRONYMS: dict[str, tuple[str, ...]] = {
    "AGO": ("Attorney General", "Attorney General's Office"),
    "CO": ("Cabinet Office",),
    "DBT": ("Department for Business and Trade", "Department for International Trade"),
    "DCLG": _MHCLG,
    "DCMS": _DCMS,
    "DDCMS": _DCMS,
    "DECC": ("Department of Energy and Climate Change", "Department for Energy Security and Net Zero"),
    "DEFRA": ("Department for Environment, Food and Rural Affairs",),
    "DESNZ": ("Department for Energy Security and Net Zero", "Department of Energy and Climate Change"),
    "DEXEU": ("Department for Exiting the European Union",),
    "DFE": ("Department for Education",),
    "DFID": _FCDO,
    "DFT": ("Department for Transport",),
    "DH": _DHSC,
    "DHSC": _DHSC,
    "DIT": ("Department for International Trade", "Department for Business and Trade"),
    "DLUHC": _MHCLG,
    "DSIT": ("Department for Science, Innovation and Technology",),
    "DWP": ("Department for Work and Pensions",),
    "BEIS": _BEIS,
    "BIS": ("Department for Business, Innovation and Skills", *_BEIS),
    "FCDO": _FCDO,
    "FCO": _FCDO,
    "GEO": ("Women and Equalities", "Government Equalities Office"),
    "HMT": _TREASURY,
    "HO": ("Home Office",),
    "MHCLG": _MHCLG,
    "MOD": ("Ministry of Defence",),
    "MOJ": ("Ministry of Justice",),
    "NIO": ("Northern Ireland Office",),
    "SO": ("Scotland Office", "Office of the Secretary of State for Scotland"),
    "WO": ("Wales Office", "Office of the Secretary of State for Wales"),
}

_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """`text` without case, accents or punctuation, words single-spaced ("Dfe" -> "dfe")."""
    decomposed = unicodedata.normalize("NFKD", text.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain.casefold()).split())


_BY_FOLDED = {fold(acronym): names for acronym, names in DEPARTMENT_ACRONYMS.items()}


def names_for_acronym(text: str) -> tuple[str, ...]:
    """The department names an acronym stands for ("dfe", "MoD", "D.f.E."), or ()."""
    return _BY_FOLDED.get(fold(text).replace(" ", ""), ())


# Machinery-of-government changes that were not one-to-one renames (those are
# `normalize.DEPARTMENT_RENAMES`, stored under the new name): the old department
# stays itself in the index, and its page links its successors and theirs it.
# (old names, new names, year, how).
DEPARTMENT_CHANGES: tuple[tuple[tuple[str, ...], tuple[str, ...], int, str], ...] = (
    (("Department for Business, Innovation and Skills", "Department of Energy and Climate Change"),
     ("Department for Business, Energy and Industrial Strategy",), 2016, "merged"),
    (("Foreign and Commonwealth Office", "Department for International Development"),
     ("Foreign, Commonwealth and Development Office",), 2020, "merged"),
    (("Department for Business, Energy and Industrial Strategy",),
     ("Department for Energy Security and Net Zero", "Department for Science, Innovation and Technology",
      "Department for Business and Trade"), 2023, "split"),
    (("Department for International Trade",), ("Department for Business and Trade",), 2023, "merged"),
    (("Department for Digital, Culture, Media and Sport",),
     ("Department for Culture, Media and Sport", "Department for Science, Innovation and Technology"),
     2023, "split"),
)
# One-to-one renames, for the history a department's page shows (the index files the
# old name under the new one: `normalize.DEPARTMENT_RENAMES` is built from this).
DEPARTMENT_RENAMES_HISTORY: tuple[tuple[str, str, int], ...] = (
    ("Department for Communities and Local Government",
     "Ministry of Housing, Communities and Local Government", 2018),
    ("Department for Levelling Up, Housing and Communities",
     "Ministry of Housing, Communities and Local Government", 2024),
    ("Department of Health", "Department of Health and Social Care", 2018),
)


@dataclass(frozen=True)
class DepartmentHistory:
    """A department's predecessors and successors: (name, "merged" / "split" / "renamed")."""

    name: str
    predecessors: list[tuple[str, str]]
    successors: list[tuple[str, str]]


def department_links(key: str) -> DepartmentHistory | None:
    """The history of the department whose slug (`members.department_key`) is `key`, or None."""
    from .members import department_key

    before: dict[str, list] = {}
    after: dict[str, list] = {}
    for olds, news, _year, how in DEPARTMENT_CHANGES:
        for old in olds:
            after.setdefault(old, []).extend((new, how) for new in news)
        for new in news:
            before.setdefault(new, []).extend((old, how) for old in olds)
    for old, new, _year in DEPARTMENT_RENAMES_HISTORY:
        after.setdefault(old, []).append((new, "renamed"))
        before.setdefault(new, []).append((old, "renamed"))
    for name in {*before, *after}:
        if department_key(name) == key:
            return DepartmentHistory(name, before.get(name, []), after.get(name, []))
    return None


def predecessor_names(name: str) -> list[str]:
    """Every department `name` came from by merger or split, transitively (renames are filed under it)."""
    found, todo = [], [name]
    while todo:
        current = todo.pop()
        for olds, news, _year, _how in DEPARTMENT_CHANGES:
            if current in news:
                todo.extend(old for old in olds if old not in found and old != name)
                found.extend(old for old in olds if old not in found and old != name)
    return found
