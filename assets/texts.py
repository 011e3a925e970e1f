"""The one text catalogue (assets/texts.toml): every word the kiosk shows or speaks, and how it is spoken.

One lookup for Python and .kv files alike (as Electrum imports `_` into its kv files):
    from assets.texts import t            t("contact.title_name"), t("confirm.room", room="502")
    #:import t assets.texts.t             text: t("nav.home")
`speakable(text)` is what the speaker is given (KioskApp.say applies it): the catalogue's [pronounce]
overrides (幸福微+ is read 幸福微加, not "plus"), then digits as Chinese words. All number words live here.
See docs/architecture.md.
"""

from __future__ import annotations

import re
import tomllib
from importlib.resources import files
from pathlib import Path

CATALOGUE_PATH = Path(files("assets") / "texts.toml")


def load(path: Path = CATALOGUE_PATH) -> dict[str, dict[str, str]]:
    """The catalogue as section -> key -> text."""
    return tomllib.loads(path.read_text(encoding="utf-8"))


CATALOGUE = load()
TEXTS = {f"{section}.{key}": text for section, table in CATALOGUE.items() for key, text in table.items()}
PRONOUNCE = CATALOGUE["pronounce"]
DIGIT_WORDS = CATALOGUE["numbers"]["digits"]


def t(key: str, **values) -> str:
    """The text `key` ("screen.name") with its {placeholders} filled."""
    text = TEXTS[key]
    return text.format(**values) if values else text


def section(name: str) -> dict[str, str]:
    """One screen's texts as a dict (for code that is handed its words, such as the voice dialogue)."""
    return dict(CATALOGUE[name])


# -- speaking -----------------------------------------------------------------
def spoken_digits(digits: str) -> str:
    """'0427' -> '零 四 二 七': one syllable per digit, never read as a number (or as Latin digits)."""
    return " ".join(DIGIT_WORDS[int(d)] for d in digits if d.isdigit())


def spoken_phone(phone: str) -> str:
    """Phone numbers are read digit by digit, 1 as 幺 the way people say them on the phone."""
    return spoken_digits(phone).replace(DIGIT_WORDS[1], CATALOGUE["numbers"]["phone_one"])


def spoken_number(digits: str) -> str:
    """A run of digits as said: 3 -> 三, 12 -> 十二, 20 -> 二十; room numbers, codes and anything with a
    leading zero digit by digit (502 -> 五零二, 05 -> 零五)."""
    if len(digits) > 2 or (len(digits) > 1 and digits.startswith("0")):
        return "".join(DIGIT_WORDS[int(d)] for d in digits)
    n = int(digits)
    if n < 10:
        return DIGIT_WORDS[n]
    tens, ones = divmod(n, 10)
    ten = CATALOGUE["numbers"]["ten"]
    return ("" if tens == 1 else DIGIT_WORDS[tens]) + ten + (DIGIT_WORDS[ones] if ones else "")


def spoken_numbers(text: str) -> str:
    """Every run of digits in `text` as Chinese words, so espeak-ng never reads Latin digits: 3号楼 -> 三号楼."""
    return re.sub(r"[0-9]+", lambda m: spoken_number(m.group()), text)


def speakable(text: str) -> str:
    """What the speaker is given for `text`: pronunciation overrides, then digits as words."""
    for written, said in PRONOUNCE.items():
        text = text.replace(written, said)
    return spoken_numbers(text)
