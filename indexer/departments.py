"""Short names of departments: the one table of acronyms and former names people type.

A department filter (`dept=FCDO`) or box prefix (`dept:DHSC`) naming one of
these means every name listed: the department as the index stores it (renamed
departments are stored under their successor, `normalize.DEPARTMENT_RENAMES`)
and the names it had before. A former department's acronym means its successors
too (BEIS was split into DESNZ, DBT and DSIT), so a search by an old acronym
still finds today's answers on the same subjects. Keys are compared folded
(`fold`): case, accents and punctuation do not matter.
"""

from __future__ import annotations

import re
import unicodedata

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
