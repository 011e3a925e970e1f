"""Words a resident hears at the kiosk or reads on the public /r/ page must not carry anyone's phone number,
ID-card number or door number (issue 11.2): a cadre's "刘奶奶家(13912345678)不在本小区" was put on a page
anyone can open. Checked when the words are saved, and again before the public page shows old ones."""

from __future__ import annotations

import re

# Digits written with spaces or dashes between them ("139 1234 5678", "0931-1234567") count as one number.
_DIGITS = re.compile(r"\d(?:[\s\-－—]*\d)+")
_ID_CARD = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
_DOOR = re.compile(
    r"\d+\s*(号楼|栋|幢|楼)\s*\d+"                 # 3号楼2单元, 5栋502
    r"|\d+\s*单元\s*\d+"                             # 2单元501
    r"|\d+\s*(室|号房|房间|户)"                      # 501室
    r"|(?<![\d.])\d{1,3}\s*[-－—]\s*(\d{3,4}|\d{1,3}\s*[-－—]\s*\d{2,4})(?![\d.])"  # 5-502, 3-2-501
)
_DATE = re.compile(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}日?")   # a date is not a phone number

MESSAGES = {
    "id_card": "这段话里有身份证号。居民会在终端上听到、在公开的回执页上看到，请删掉再保存。",
    "phone": "这段话里有电话号码。居民会在终端上听到、在公开的回执页上看到，请删掉再保存。",
    "door": "这段话里有门牌号（楼号、单元、房号）。居民会在终端上听到、在公开的回执页上看到，请删掉再保存。",
}


def problem(text: str) -> str | None:
    """The Chinese message for the first kind of personal data found in `text`, or None when it is clean."""
    text = _DATE.sub("", text or "")
    compact = "".join(text.split())
    if _ID_CARD.search(compact):
        return MESSAGES["id_card"]
    if any(len(re.sub(r"\D", "", m.group())) >= 7 for m in _DIGITS.finditer(text)):
        return MESSAGES["phone"]
    if _DOOR.search(text):
        return MESSAGES["door"]
    return None


def is_clean(text: str) -> bool:
    return problem(text) is None
