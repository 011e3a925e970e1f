"""Accessibility audit of a drawn kiosk screen (docs/architecture.md "Sizes"), measured on the real window.

`audit_screen(harness, screen)` returns a list of problems (empty = passes) for the screen (a name,
a Screen, or any shown widget with narration(), e.g. the idle overlay) currently on the window:
- every text >= 40 reference px (scaled to the configured screen), not spilling out of its box, not
  overlapping a touchable it does not belong to;
- every touchable >= 120x120 reference px, >= 24 px from every other touchable, fully on screen;
- text contrast >= 7:1, from the rendered pixels: inside each text's box, the most common colour is
  the background and the most common clearly different colour is the ink;
- at most six choices (NavBar and paging buttons are navigation, a keypad is one choice);
- a non-empty narration.
"""

from __future__ import annotations

from screens import theme


def _visible_widgets(root):
    if getattr(root, "opacity", 1) <= 0:
        return
    yield root
    for child in root.children:
        yield from _visible_widgets(child)


def _window_rect(w):
    x0, y0 = w.to_window(w.x, w.y)
    return x0, y0, x0 + w.width, y0 + w.height


def _gap(a, b) -> float:
    dx = max(0.0, b[0] - a[2], a[0] - b[2])
    dy = max(0.0, b[1] - a[3], a[1] - b[3])
    return max(dx, dy)


def _text_contrast(img, label):
    """(contrast, ink rgb, background rgb) of the label's text as drawn, or None if nothing is drawn."""
    import numpy as np

    tw, th = label.texture_size
    cx, cy = label.to_window(*label.center)
    x0, x1 = int(max(cx - tw / 2, 0)), int(min(cx + tw / 2, img.shape[1]))
    y0, y1 = int(max(cy - th / 2, 0)), int(min(cy + th / 2, img.shape[0]))
    block = img[y0:y1, x0:x1, :3].reshape(-1, 3)
    if len(block) == 0:
        return None
    keys = (block[:, 0].astype(np.uint32) << 16) | (block[:, 1].astype(np.uint32) << 8) | block[:, 2]
    colours, counts = np.unique(keys, return_counts=True)
    order = np.argsort(-counts)
    rgb = lambda k: (((k >> 16) & 255) / 255, ((k >> 8) & 255) / 255, (k & 255) / 255)  # noqa: E731
    bg = rgb(int(colours[order[0]]))
    for i in order[1:]:
        ink = rgb(int(colours[i]))
        if theme.contrast(ink, bg) >= 1.5:   # anti-aliased edges blend towards bg; the full ink is most common
            return theme.contrast(ink, bg), ink, bg
    return None


def audit_screen(harness, screen) -> list[str]:
    import numpy as np
    from kivy.core.window import Window
    from kivy.uix.behaviors import ButtonBehavior
    from kivy.uix.label import Label
    from kivy.uix.textinput import TextInput

    from screens.widgets import Keypad

    app = harness.app
    if isinstance(screen, str):
        screen = app.sm.get_screen(screen)
        if app.sm.current_screen is not screen:
            return [f"{screen.name}: not the screen on the window (current: {app.sm.current})"]
    name = getattr(screen, "name", "") or type(screen).__name__
    w, h, px = harness.pixels()
    img = np.frombuffer(px, dtype=np.uint8).reshape(h, w, 4)   # row 0 is the bottom, like Kivy's y
    problems: list[str] = []
    rp = app.rp

    widgets = list(_visible_widgets(screen))
    labels = [x for x in widgets if isinstance(x, Label) and x.text.strip()]
    targets = [x for x in widgets if isinstance(x, (ButtonBehavior, TextInput))]

    if not (screen.narration() or "").strip():
        problems.append(f"{name}: no narration")

    for lab in labels:
        what = f"{name}: text {lab.text.strip()[:16]!r}"
        if lab.font_size < rp(theme.MIN_TEXT) - 0.5:
            problems.append(f"{what} is {lab.font_size / app.scale:.0f} ref px < {theme.MIN_TEXT}")
        tw, th = lab.texture_size
        slack = max(rp(4), 0.15 * lab.font_size)   # a line box's leading above and below the ink
        if th > lab.height + slack or tw > lab.width + slack:
            problems.append(f"{what} spills out: drawn {tw:.0f}x{th:.0f} in a {lab.width:.0f}x{lab.height:.0f} box")
        found = _text_contrast(img, lab)
        if found is None:
            problems.append(f"{what} is not drawn")
        elif found[0] < theme.MIN_CONTRAST:
            problems.append(f"{what} contrast {found[0]:.1f}:1 < {theme.MIN_CONTRAST}:1")

    def text_rect(lab):
        tw, th = lab.texture_size
        cx, cy = lab.to_window(*lab.center)
        return cx - tw / 2, cy - th / 2, cx + tw / 2, cy + th / 2

    drawn = [(lab, text_rect(lab)) for lab in labels]
    for i, (a, ra) in enumerate(drawn):   # texts drawn over each other (a layout that does not fit)
        for b, rb in drawn[i + 1:]:
            if ra[0] + 2 < rb[2] and rb[0] + 2 < ra[2] and ra[1] + 2 < rb[3] and rb[1] + 2 < ra[3]:
                problems.append(f"{name}: texts {a.text.strip()[:16]!r} and {b.text.strip()[:16]!r} overlap")
    for lab, r in drawn:
        if r[1] < -1 or r[3] > Window.height + 1 or r[0] < -1 or r[2] > Window.width + 1:
            problems.append(f"{name}: text {lab.text.strip()[:16]!r} is partly off screen")
    for lab, r in drawn:   # text under (or over) a button it does not belong to is unreadable or a trap
        owners = set()
        p = lab
        while p is not None and p is not screen:
            owners.add(id(p))
            p = p.parent
        for t in targets:
            tr = _window_rect(t)
            if id(t) not in owners and tr[0] < r[2] - 1 and r[0] + 1 < tr[2] and tr[1] < r[3] - 1 and r[1] + 1 < tr[3]:
                problems.append(f"{name}: text {lab.text.strip()[:16]!r} overlaps "
                                f"{getattr(t, 'text', '') or type(t).__name__!r}")

    rects = []
    for t in targets:
        r = _window_rect(t)
        rects.append((t, r))
        label = getattr(t, "text", "") or type(t).__name__
        if t.width < rp(theme.MIN_TARGET) - 0.5 or t.height < rp(theme.MIN_TARGET) - 0.5:
            problems.append(f"{name}: target {label!r} is {t.width / app.scale:.0f}x{t.height / app.scale:.0f} "
                            f"ref px < {theme.MIN_TARGET}")
        if r[0] < -0.5 or r[1] < -0.5 or r[2] > Window.width + 0.5 or r[3] > Window.height + 0.5:
            problems.append(f"{name}: target {label!r} is partly off screen")
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1:]:
            if _gap(ra, rb) < rp(theme.MIN_GAP) - 0.5:
                problems.append(f"{name}: targets {getattr(a, 'text', '')!r} and {getattr(b, 'text', '')!r} are "
                                f"{_gap(ra, rb) / app.scale:.0f} ref px apart < {theme.MIN_GAP}")

    keypads = [x for x in widgets if isinstance(x, Keypad)]
    in_keypad = {id(k) for kp in keypads for k in kp.children}
    choices = [t for t in targets if not getattr(t, "nav", False) and id(t) not in in_keypad]
    if len(choices) + len(keypads) > theme.MAX_CHOICES:
        problems.append(f"{name}: {len(choices) + len(keypads)} choices > {theme.MAX_CHOICES}")
    return problems
