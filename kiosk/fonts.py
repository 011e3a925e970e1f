"""Find the fonts the kiosk draws with, once, at start.

Kivy opens face 0 of a .ttc file. Face 0 of Noto Sans CJK is Japanese and draws Japanese
character forms (骨 直 关 门 户), so only fonts whose face 0 is Simplified Chinese are listed.
"""

from __future__ import annotations

from pathlib import Path

from assets.texts import t

CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",   # Debian fonts-wqy-microhei (face 0: SC)
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",     # Debian fonts-wqy-zenhei (face 0: SC)
    "/usr/share/fonts/truetype/arphic/uming.ttc",        # Debian fonts-arphic-uming
)
SYMBOL_CANDIDATES = (
    "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",  # Debian fonts-symbola
    "/usr/share/fonts/truetype/symbola/Symbola.ttf",
)
CJK_PACKAGE = "fonts-wqy-microhei"
SYMBOL_PACKAGE = "fonts-symbola"


class FontError(RuntimeError):
    pass


def _first(candidates: tuple[str, ...], configured: str | None) -> Path | None:
    if configured:
        p = Path(configured).expanduser()
        return p if p.is_file() else None
    return next((Path(c) for c in candidates if Path(c).is_file()), None)


def resolve_font(configured: str | None = None, candidates: tuple[str, ...] = CJK_CANDIDATES) -> Path:
    found = _first(candidates, configured)
    if found is None:
        if configured:
            raise FontError(t("fonts.missing", path=configured))
        raise FontError(t("fonts.no_cjk", package=CJK_PACKAGE))
    return found


def resolve_symbol_font(candidates: tuple[str, ...] = SYMBOL_CANDIDATES) -> Path:
    found = _first(candidates, None)
    if found is None:
        raise FontError(t("fonts.no_symbols", package=SYMBOL_PACKAGE))
    return found
