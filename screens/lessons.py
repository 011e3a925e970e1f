"""学用手机: the lessons as big tiles (six a page). Class mode (老师上课) starts from the admin screen."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty

from assets.texts import speakable, t
from screens import theme
from screens.paging import pages
from screens.widgets import KioskScreen, Tile, cell_width

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

PER_PAGE = 6   # six choices; the teacher's way into class mode is on the admin screen (residents never meet a PIN)
ICONS = {"scan_pay": "💳", "video_call": "📹", "voice_message": "🎤", "font_size": "🔍", "wifi": "📶",
         "pay_bills": "🔥", "hospital_booking": "🏥", "fraud": "🚫", "taxi": "🚕", "photo_share": "📷"}
COLOURS = (theme.PRIMARY, theme.OK, theme.ACCENT, "#3b0764", theme.WARN)


class LessonsScreen(KioskScreen):
    STATES = ("page_1", "page_2")
    page = NumericProperty(0)
    page_count = NumericProperty(1)

    def on_pre_enter(self, *_):
        svc = App.get_running_app().services.lessons
        # Straight back from a lesson: the same page; from anywhere else: the first page.
        came_from = getattr(self.manager.transition, "screen_out", None)
        keep = came_from is not None and came_from.name == "lesson"
        self.page = min(self.page, len(pages(list(svc.lessons), PER_PAGE)) - 1) if keep else 0
        self.fill()
        svc.refresh_catalog(lambda updated: updated and Clock.schedule_once(lambda *_: self.fill()))

    def narration(self) -> str:
        svc = App.get_running_app().services.lessons
        shown = "、".join(svc.lessons[i].title for i in self._page_ids())
        more = t("lessons.more") if self.page < self.page_count - 1 else ""
        praise, svc.praise = svc.praise, ""
        return speakable(t("lessons.narration", praise=praise, shown=shown, more=more))

    def _page_ids(self) -> list[str]:
        svc = App.get_running_app().services.lessons
        return pages(list(svc.lessons), PER_PAGE)[self.page]

    def fill(self) -> None:
        svc = App.get_running_app().services.lessons
        self.page_count = len(pages(list(svc.lessons), PER_PAGE))
        grid = self.ids.grid
        grid.clear_widgets()
        for n, lid in enumerate(self._page_ids()):
            tile = Tile(icon=ICONS.get(lid, "📱"), text=svc.lessons[lid].title, text_size_ref=56,
                        colour=theme.rgba(COLOURS[n % len(COLOURS)])).fit_words(cell_width(grid.cols))
            tile.bind(on_release=lambda _w, lid=lid: self.open(lid))
            grid.add_widget(tile)

    def turn(self, delta: int) -> None:
        self.page = max(0, min(self.page_count - 1, self.page + delta))
        self.fill()
        App.get_running_app().say(self.narration())

    def open(self, lesson_id: str) -> None:
        app = App.get_running_app()
        svc = app.services.lessons
        svc.end_class()   # a resident alone at the kiosk
        svc.choose(lesson_id)
        app.go("lesson")
