"""Who and where, one question at a time: how to address you, building, unit, floor, room, phone.

Every step is skippable, but the resident must leave one way to be reached: a room
(building + room) or a phone number. Each step has at most six big choices.
"""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.relativelayout import RelativeLayout

from screens import theme
from screens.paging import grid_cols, pages
from screens.widgets import KioskScreen, Tile

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

STEPS = ("name", "building", "unit", "floor", "room", "phone")
NAME_ICONS = ("👴", "👵", "👨", "👩")   # for contact.name_options, in its order
# One pictograph per kind of place, never shared: 4楼 and 4号楼 must not look alike, nor a unit and a room.
PLACE_ICONS = {"building": "🏢", "unit": "🚪", "floor": "⬆", "room": "🏠"}
PHONE_LENGTHS = (7, 8, 11, 12)   # local landline, landline with 0931 area code digits, mobile


def room_labels(floor: int, rooms_per_floor: int) -> list[str]:
    return [f"{floor}{i:02d}" for i in range(1, rooms_per_floor + 1)]


def has_address(draft) -> bool:
    return bool(draft["building"] and draft["room"])


def phone_ok(phone: str) -> bool:
    return phone.isdigit() and len(phone) in PHONE_LENGTHS


class ContactPanel:
    """One of the screen's two panels, in the same place: only the one `shown` is on screen and enabled."""

    shown = BooleanProperty(False)
    screen = ObjectProperty(None)     # the ContactScreen: the panel's buttons call it
    heading = StringProperty("")
    message = StringProperty("")


class ChoicePanel(ContactPanel, BoxLayout):
    """The choice steps: how to address you, building, unit, floor, room."""

    page = NumericProperty(0)
    page_count = NumericProperty(1)
    consent = StringProperty("")


class PhonePanel(ContactPanel, RelativeLayout):
    """The phone number on the big keypad."""


class ContactScreen(KioskScreen):
    STATES = STEPS
    step = StringProperty("name")
    heading = StringProperty("")      # the question, with what was chosen so far: 3号楼2单元，住几楼？
    where = StringProperty("")        # 第4步/共6步
    page = NumericProperty(0)
    page_count = NumericProperty(1)
    message = StringProperty("")
    trail = ListProperty([])   # steps taken, for 返回

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        Clock.schedule_once(self._make_tiles)

    def _make_tiles(self, *_):
        """Make the tiles of the steps that do not depend on earlier answers while the kiosk waits."""
        for step in ("name", "building", "unit", "floor"):
            for value, label, icon in self.options(step):
                self._tile(step, value, label, icon)

    def on_pre_enter(self, *_):
        # A new request starts at the first question; only 返回修改 from confirm comes back to where it was.
        came_from = getattr(self.manager.transition.screen_out, "name", None)
        if came_from != "confirm":
            self.restart()
        self.show()

    @property
    def grid(self):
        return self.ids.choices.ids.grid

    @property
    def keypad(self):
        return self.ids.phone.ids.keypad

    def restart(self) -> None:
        self.step, self.page, self.message, self.trail = "name", 0, "", []
        self.keypad.value = ""

    # -- what each step offers -------------------------------------------------
    def options(self, step: str) -> list[tuple[str, str, str]]:
        """(value, label, icon) for each choice of `step`."""
        app = App.get_running_app()
        post = app.services.config["post"]
        if step == "name":
            names = app.t("contact.name_options").split("、")
            icons = dict(zip(names, NAME_ICONS, strict=False))
            return [(c, c, icons.get(c, "🙂")) for c in names]
        if step == "building":
            return [(b, b, PLACE_ICONS["building"]) for b in post["buildings"]]
        if step == "unit":
            return [(u, u, PLACE_ICONS["unit"]) for u in post["units"]]
        if step == "floor":
            return [(str(f), app.t("contact.floor_label", floor=f), PLACE_ICONS["floor"])
                    for f in range(1, post["floors"] + 1)]
        if step == "room":
            floor = int(app.draft["floor"] or 1)
            return [(r, app.t("contact.room_label", room=r), PLACE_ICONS["room"])
                    for r in room_labels(floor, post["rooms_per_floor"])]
        return []

    def steps(self) -> list[str]:
        """The steps this post asks (one unit only: no unit step)."""
        single_unit = len(App.get_running_app().services.config["post"]["units"]) == 1
        return [s for s in STEPS if not (s == "unit" and single_unit)]

    def _headings(self) -> None:
        app = App.get_running_app()
        d = app.draft
        steps = self.steps()
        self.where = app.t("contact.step", step=steps.index(self.step) + 1, count=len(steps))
        chosen = {"building": d["building"], "unit": d["unit"],
                  "floor": app.t("contact.floor_label", floor=d["floor"]) if d["floor"] else ""}
        so_far = "".join(chosen[k] for k in ("building", "unit", "floor")[: max(0, STEPS.index(self.step) - 1)]
                         if k in chosen)
        if self.step in ("unit", "floor", "room") and so_far:
            self.heading = app.t(f"contact.title_{self.step}_after", chosen=so_far)
        else:
            self.heading = app.t(f"contact.title_{self.step}")

    def show(self) -> None:
        self._headings()
        grid = self.grid
        grid.clear_widgets()
        opts = self.options(self.step)
        all_pages = pages(opts)
        self.page_count = len(all_pages)
        self.page = min(self.page, self.page_count - 1)
        page = all_pages[self.page]
        grid.cols = max(1, grid_cols(len(page)))
        for value, label, icon in page:
            grid.add_widget(self._tile(self.step, value, label, icon))

    def _tile(self, step: str, value: str, label: str, icon: str) -> Tile:
        """Tiles are made once and reused: drawing their words again is most of a tap's cost."""
        cache = self.__dict__.setdefault("_tiles", {})
        key = (step, value, label)
        if key not in cache:
            tile = Tile(icon=icon, text=label, colour=theme.rgba(theme.PRIMARY), text_size_ref=72)
            tile.bind(on_release=lambda _t, s=step, v=value: self.pick(v) if self.step == s else None)
            cache[key] = tile
        return cache[key]

    # -- moving between steps ------------------------------------------------
    def _goto(self, step: str) -> None:
        self.trail.append(self.step)
        self.step, self.page, self.message = step, 0, ""
        self.show()
        App.get_running_app().say(self.narration())

    def pick(self, value: str) -> None:
        app = App.get_running_app()
        app.draft[self.step] = value
        if self.step == "building" and len(app.services.config["post"]["units"]) == 1:
            app.draft["unit"] = app.services.config["post"]["units"][0]
            self._goto("floor")
        else:
            self._goto(STEPS[STEPS.index(self.step) + 1])

    def skip(self) -> None:
        app = App.get_running_app()
        if self.step == "phone":
            self.keypad.value = ""
            self.finish("")
        elif self.step == "name":
            app.draft["name"] = ""
            self._goto("building")
        else:   # no address at all: the address steps go together
            for f in ("building", "unit", "floor", "room"):
                app.draft[f] = ""
            self._goto("phone")

    def back_step(self) -> bool:
        """返回 goes back one question; at the first question it leaves the screen."""
        if not self.trail:
            return False
        self.step, self.page, self.message = self.trail.pop(), 0, ""
        self.show()
        App.get_running_app().say(self.narration())
        return True

    def turn(self, step: int) -> None:
        self.page = max(0, min(self.page_count - 1, self.page + step))
        self.show()
        App.get_running_app().say(self.narration())

    def finish(self, phone: str) -> None:
        app = App.get_running_app()
        if phone and not phone_ok(phone):
            self.message = app.t("contact.phone_short")
        elif not phone and not has_address(app.draft):
            self.message = app.t("contact.need_contact")
        else:
            app.draft["phone"] = phone
            self.message = ""
            app.go("confirm")
            return
        app.say(self.message)

    def narration(self) -> str:
        app = App.get_running_app()
        text = app.t(f"contact.say_{self.step}")
        if self.step == "name":
            text = app.t("contact.consent") + text
        elif self.page < self.page_count - 1:
            text += app.t("categories.narration_more")
        return text
