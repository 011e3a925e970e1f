"""Find what a resident would see and tap on the window: by the words on it."""

from __future__ import annotations


def walk(root):
    yield root
    for child in root.children:
        yield from walk(child)


def button(root, text: str):
    """The visible button (Tile, BigButton, keypad key) whose words are exactly `text`."""
    from kivy.uix.behaviors import ButtonBehavior

    found = [w for w in walk(root) if isinstance(w, ButtonBehavior) and getattr(w, "text", None) == text
             and w.opacity > 0 and not w.disabled]
    assert found, f"no button {text!r} on {getattr(root, 'name', root)}"
    assert len(found) == 1, f"{len(found)} buttons {text!r}"
    return found[0]


def texts(root) -> str:
    from kivy.uix.label import Label

    return "\n".join(w.text for w in walk(root) if isinstance(w, Label) and w.opacity > 0)


def tap(ui, text: str, root=None) -> None:
    ui.pump(0.03)   # let a screen that was just switched to lay out before looking for the button
    ui.tap(button(root or ui.app.sm.current_screen, text))


def type_digits(ui, digits: str, root=None) -> None:
    """Press the keys like a person: a repeated key waits out the touch debounce."""
    previous = ""
    for d in digits:
        if d == previous:
            ui.pump(ui.app.debounce_ms / 1000 + 0.05)
        tap(ui, d, root)
        previous = d
