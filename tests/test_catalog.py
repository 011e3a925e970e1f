from __future__ import annotations

import subprocess
import tomllib

import pytest

from sync.catalog import CATALOG_PATH, CatalogError, load_catalog, parse_catalog
from tests.sync.test_contract import PUBLISHED_CATEGORY_IDS


def raw():
    return tomllib.loads(CATALOG_PATH.read_text(encoding="utf-8"))


def test_shipped_catalog_starts_with_the_twelve_published_ids_in_order():
    cat = load_catalog()
    assert cat.ids[:len(PUBLISHED_CATEGORY_IDS)] == PUBLISHED_CATEGORY_IDS   # the list may grow at the end
    gas = cat.get("gas_recharge")
    assert gas.label == "代充燃气" and gas.urgency.accept_hours == 2
    assert all(c.prompt.endswith("？") and c.phrases for c in cat.categories)


def test_every_icon_is_drawn_by_the_symbol_font():
    cat = load_catalog()
    for c in cat.categories:
        for ch in c.icon:
            out = subprocess.run(["fc-list", f":charset={ord(ch):x}", "family"], capture_output=True, text=True).stdout
            assert "Symbola" in out or "DejaVu" in out, f"{c.id}: icon {ch!r} has no glyph in the icon font"


@pytest.mark.parametrize("mutate, expected", [
    (lambda d: d["category"][2].pop("label"), "category #3 (meal_delivery): field 'label' must be a non-empty string"),
    (lambda d: d["category"][0].update(id="Gas-Recharge"), "category #1 (Gas-Recharge): field 'id' must be lower-case"),
    (lambda d: d["category"][4].update(urgency="soon"), "category #5 (home_repair): field 'urgency' must be one of"),
    (lambda d: d["category"][1].update(colour="green"), "category #2 (shopping): field 'colour'"),
    (lambda d: d["category"][1].update(phrases=[]), "category #2 (shopping): field 'phrases'"),
    (lambda d: d["category"][1].update(prompt="Buy things?"), "field 'prompt' must be Simplified Chinese"),
    (lambda d: d["category"][1].update(colour_="x"), "category #2 (shopping): unknown field 'colour_'"),
    (lambda d: d["category"].append(dict(d["category"][0])), "field 'id' repeats 'gas_recharge'"),
    (lambda d: d["urgency"]["urgent"].update(accept_hours=0), "urgency 'urgent': field 'accept_hours'"),
])
def test_errors_name_file_entry_and_field(mutate, expected):
    data = raw()
    mutate(data)
    with pytest.raises(CatalogError) as err:
        parse_catalog(data, CATALOG_PATH)
    assert str(CATALOG_PATH) in str(err.value)
    assert expected in str(err.value)


def test_broken_toml_and_missing_file(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("version = [", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid TOML"):
        load_catalog(bad)
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog(tmp_path / "nope.toml")
