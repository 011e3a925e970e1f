"""The request catalog (assets/catalog.toml): one loader, read by kiosk, intent matcher and server.

Every error names the file, the entry and the field, so whoever edits the data file
can fix it without reading this code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from sync import protocol

ASSETS = Path(files("assets"))
CATALOG_PATH = ASSETS / "catalog.toml"

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_HAN = re.compile(r"[\u4e00-\u9fff]")


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Urgency:
    id: str
    label: str
    accept_hours: int
    resolve_days: int


@dataclass(frozen=True)
class Category:
    id: str
    label: str
    icon: str
    colour: str
    urgency: Urgency
    prompt: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Catalog:
    version: int
    categories: tuple[Category, ...]
    urgencies: dict[str, Urgency]
    path: Path

    def get(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        raise KeyError(category_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.categories)

    def __contains__(self, category_id: object) -> bool:
        return category_id in self.ids


def _fail(path: Path, where: str, msg: str) -> CatalogError:
    return CatalogError(f"{path}: {where}: {msg}")


def _text(path: Path, where: str, entry: dict, field: str, *, han: bool = True) -> str:
    value = entry.get(field)
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, where, f"field '{field}' must be a non-empty string")
    if han and not _HAN.search(value):
        raise _fail(path, where, f"field '{field}' must be Simplified Chinese, got {value!r}")
    return value.strip()


def _positive_int(path: Path, where: str, entry: dict, field: str) -> int:
    value = entry.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _fail(path, where, f"field '{field}' must be a positive integer, got {value!r}")
    return value


def parse_catalog(data: dict, path: Path) -> Catalog:
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise _fail(path, "top level", "field 'version' must be a positive integer")
    raw_urg = data.get("urgency")
    if not isinstance(raw_urg, dict) or not raw_urg:
        raise _fail(path, "top level", "table [urgency.*] is missing")
    urgencies: dict[str, Urgency] = {}
    for uid, entry in raw_urg.items():
        where = f"urgency '{uid}'"
        if not isinstance(entry, dict):
            raise _fail(path, where, "must be a table")
        unknown = set(entry) - {"label", "accept_hours", "resolve_days"}
        if unknown:
            raise _fail(path, where, f"unknown field '{sorted(unknown)[0]}'")
        urgencies[uid] = Urgency(
            uid, _text(path, where, entry, "label"),
            _positive_int(path, where, entry, "accept_hours"), _positive_int(path, where, entry, "resolve_days"),
        )
    raw_cats = data.get("category")
    if not isinstance(raw_cats, list) or not raw_cats:
        raise _fail(path, "top level", "no [[category]] entries")
    cats: list[Category] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw_cats, 1):
        cid = entry.get("id") if isinstance(entry, dict) else None
        where = f"category #{i}" + (f" ({cid})" if isinstance(cid, str) else "")
        if not isinstance(entry, dict):
            raise _fail(path, where, "must be a table")
        unknown = set(entry) - {"id", "label", "icon", "colour", "urgency", "prompt", "phrases"}
        if unknown:
            raise _fail(path, where, f"unknown field '{sorted(unknown)[0]}'")
        # Ids are a public contract (never renamed or removed: tests/sync/test_contract.py), but the list may
        # grow: a new category is a new entry in this file, not a code change.
        if not isinstance(cid, str) or not protocol.CATEGORY_ID_RE.match(cid):
            raise _fail(path, where, f"field 'id' must be lower-case letters, digits and _ (at most "
                                     f"{protocol.REQUEST_FIELDS['category']}), got {cid!r}")
        if cid in seen:
            raise _fail(path, where, f"field 'id' repeats {cid!r}")
        seen.add(cid)
        colour = _text(path, where, entry, "colour", han=False)
        if not _COLOUR.match(colour):
            raise _fail(path, where, f"field 'colour' must look like #1e40af, got {colour!r}")
        urgency = entry.get("urgency")
        if urgency not in urgencies:
            raise _fail(path, where, f"field 'urgency' must be one of {', '.join(urgencies)}, got {urgency!r}")
        phrases = entry.get("phrases")
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise _fail(path, where, "field 'phrases' must be a non-empty list of strings")
        cats.append(Category(
            id=cid, label=_text(path, where, entry, "label"), icon=_text(path, where, entry, "icon", han=False),
            colour=colour, urgency=urgencies[urgency], prompt=_text(path, where, entry, "prompt"),
            phrases=tuple(p.strip() for p in phrases),
        ))
    return Catalog(version, tuple(cats), urgencies, path)


def load_catalog(path: Path | str | None = None) -> Catalog:
    path = Path(path) if path else CATALOG_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: not valid TOML: {exc}") from None
    return parse_catalog(data, path)


@lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    return load_catalog()
