"""Debian's real headless Chromium for the page tests, one way for all of them.

scripts/setup --test installs it; a missing browser fails the page tests rather than skipping them,
so a green run always means the pages were really drawn.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, which this closed network refuses.
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def launch(playwright):
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} missing: run scripts/setup --test (Debian package chromium)"
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
