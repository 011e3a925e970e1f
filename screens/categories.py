"""Categories: the twelve catalog categories, six to a page, icon and words on each tile."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty

from screens import theme
from screens.paging import grid_cols, pages
from screens.widgets import KioskScreen, Tile

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class CategoriesScreen(KioskScreen):
    STATES = ("page_1", "page_2")
    page = NumericProperty(0)
    page_count = NumericProperty(1)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Make the tiles while the kiosk waits, not when the first resident taps 我要求助.
        Clock.schedule_once(lambda *_: [self._tile(c) for c in App.get_running_app().services.catalog.categories])

    def on_pre_enter(self, *_):
        app = App.get_running_app()
        if app.history and app.history[-1] == "home":
            self.page = 0   # a fresh visit starts on the first page
        self.show()

    def _pages(self):
        return pages(list(App.get_running_app().services.catalog.categories))

    def show(self) -> None:
        grid = self.ids.grid
        grid.clear_widgets()
        all_pages = self._pages()
        self.page_count = len(all_pages)
        page = all_pages[min(self.page, len(all_pages) - 1)]
        grid.cols = grid_cols(len(page))
        for cat in page:
            grid.add_widget(self._tile(cat))

    def _tile(self, cat) -> Tile:
        """Tiles are made once and reused: drawing their words again is most of a tap's cost."""
        cache = self.__dict__.setdefault("_tiles", {})
        if cat.id not in cache:
            tile = Tile(icon=cat.icon, text=cat.label, colour=theme.rgba(cat.colour), text_size_ref=64)
            tile.bind(on_release=lambda _t, cid=cat.id: App.get_running_app().start_request(cid))
            cache[cat.id] = tile
        return cache[cat.id]

    def turn(self, step: int) -> None:
        self.page = max(0, min(self.page_count - 1, self.page + step))
        self.show()
        App.get_running_app().say(self.narration())

    def narration(self) -> str:
        app = App.get_running_app()
        page = self._pages()[min(self.page, self.page_count - 1)]
        text = app.t("categories.narration", labels="、".join(c.label for c in page))
        if self.page < self.page_count - 1:
            text += app.t("categories.narration_more")
        return text
