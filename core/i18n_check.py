"""Checks that the Chinese catalogue is complete and its compiled .mo matches it."""

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgstrs: dict = field(default_factory=dict)
    fuzzy: bool = False
    context: str = ""


def parse_po(path: Path) -> list[Entry]:
    """A small .po reader: enough for Django's catalogues (context, plurals, fuzzy)."""
    entries, entry, current = [], Entry(), None
    for raw in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = raw.strip()
        if not line:
            if current is not None:
                entries.append(entry)
            entry, current = Entry(), None
            continue
        if line.startswith("#,") and "fuzzy" in line:
            entry.fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt "):
            current = "context"
            entry.context = ast.literal_eval(line[8:])
        elif line.startswith("msgid_plural "):
            current = "msgid_plural"
            entry.msgid_plural = ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            current = "msgid"
            entry.msgid = ast.literal_eval(line[6:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            current = ("msgstr", index)
            entry.msgstrs[index] = ast.literal_eval(line[line.index("]") + 2 :])
        elif line.startswith("msgstr "):
            current = ("msgstr", 0)
            entry.msgstrs[0] = ast.literal_eval(line[7:])
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if isinstance(current, tuple):
                entry.msgstrs[current[1]] += value
            elif current == "context":
                entry.context += value
            elif current:
                setattr(entry, current, getattr(entry, current) + value)
    return [e for e in entries if e.msgid]


def catalogue_problems(language: str = "zh_Hans") -> list[str]:
    """Untranslated or fuzzy entries, and entries the compiled .mo does not match."""
    folder = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES"
    po, mo = folder / "django.po", folder / "django.mo"
    if not po.exists():
        return [f"{po} is missing"]
    problems = []
    entries = parse_po(po)
    for entry in entries:
        if entry.fuzzy:
            problems.append(f"fuzzy: {entry.msgid!r}")
        if not all(entry.msgstrs.values()) or not entry.msgstrs:
            problems.append(f"untranslated: {entry.msgid!r}")
    if not mo.exists():
        return [*problems, f"{mo} is missing: run make messages"]
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries:
        key = f"{entry.context}\x04{entry.msgid}" if entry.context else entry.msgid
        if not entry.msgid_plural and compiled._catalog.get(key) != entry.msgstrs.get(
            0
        ):
            problems.append(f"not compiled: {entry.msgid!r} (run make messages)")
    return problems
