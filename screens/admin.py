"""Admin (long-press the top-left corner, then the PIN): queue, sync, rejected and unreadable items, a damaged
outbox, voice health, registering the kiosk, volume and speech rate, microphone and speaker test, exit.

For the post's cadre, not the resident, but it keeps the same big sizes and at most six choices
per panel; each panel is a sub-screen of this one. The PIN is asked again every time.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty

from kiosk import config as kconfig
from screens import theme
from screens.widgets import KioskScreen
from sync import codes

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

VOLUME_STEP = 0.1
RATE_STEP = 20
SHOWN_REJECTED = 4
SHOWN_SERVERS = 2     # rows of servers found, after the configured one: at most six choices, and room for them
SHOWN_SERVERS_COMPACT = 1   # a 15.6" screen has room for two rows (a post has one server; a second is rare)
REFRESH_S = 5


_HAN = re.compile(r"[\u4e00-\u9fff]")
_PATH = re.compile(r"[（(]?\s*(?:[A-Za-z]:)?[/\\][\w.\-/\\]+\s*[)）]?")


def plain(error: str) -> str:
    """What the cadre reads: Chinese only. File paths are cut; an English device or network error becomes
    one Chinese sentence (the details stay in the log)."""
    if not _HAN.search(error or ""):
        return App.get_running_app().t("admin.error_detail_in_log") if error else ""
    return _PATH.sub("", error).strip()


def local_time(iso: str | None, tz) -> str:
    """An outbox time (UTC ISO) as the kiosk's clock shows it (kiosk.timezone)."""
    if not iso:
        return ""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return ""
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when.tzinfo else when.strftime("%Y-%m-%d %H:%M")


def printer_state(printer) -> str:
    return App.get_running_app().t("health.no_printer") if printer is None else printer.health


class AdminScreen(KioskScreen):
    STATES = ("pin", "main", "sound", "voice", "register", "pair", "servers")
    unlocked = BooleanProperty(False)
    panel = StringProperty("pin")    # pin | main | sound | voice | register
    message = StringProperty("")
    message_kind = StringProperty("ok")   # ok | warn | error (widgets Notice)
    status_text = StringProperty("")
    rejected_text = StringProperty("")
    voice_text = StringProperty("")
    volume_text = StringProperty("")
    rate_text = StringProperty("")
    pair_url = StringProperty("")    # the server the pairing code is sent to
    servers_text = StringProperty("")   # the LAN search for servers (kiosk/discover.py): searching, found, none

    def __init__(self, **kwargs):
        self._refresher = None
        self._search = None
        super().__init__(**kwargs)
        App.get_running_app().bind(on_reset=lambda *_: self.lock())

    # -- PIN ------------------------------------------------------------------
    def lock(self) -> None:
        self.unlocked = False
        self.message = ""
        self.ids.pin.value = ""
        self.show("pin")

    def on_pre_enter(self, *_):
        self.lock()

    def on_leave(self, *_):
        self.lock()

    def check_pin(self, pin: str) -> None:
        app = App.get_running_app()
        self.ids.pin.value = ""
        if pin != app.services.config["kiosk"]["admin_pin"]:
            self.message, self.message_kind = app.t("admin.pin_wrong"), "error"
            app.say(self.message)
            return
        self.unlocked = True
        self.message = ""
        self.show("main")

    # -- panels ---------------------------------------------------------------
    def show(self, panel: str) -> None:
        if panel != "pin" and not self.unlocked:
            panel = "pin"
        self.panel = panel
        self.ids.panels.current = panel
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        if self._search is not None:
            self._search.stop()
            self._search = None
        if panel == "main":   # the queue moves while the cadre looks: keep the figures current
            self.refresh()
            self._refresher = Clock.schedule_interval(lambda *_: self.refresh(), REFRESH_S)
        elif panel == "voice":
            app = App.get_running_app()
            lines = [app.t(f"admin.voice_{k}", state=v) for k, v in self._voice_health().items()]
            usable = app.services.voice_usable() if app.services.voice_usable is not None else "ok"
            if usable != "ok":
                lines.append(app.t("admin.voice_unusable", reason=plain(usable)))
            self.voice_text = "\n".join(lines)
        elif panel == "sound":
            self._sound_labels()
        elif panel == "pair":
            self.ids.pair_code.value = ""
            self.pair_url = App.get_running_app().services.config["server"]["url"]
        elif panel == "servers":
            self.search_servers()
        elif panel == "register":
            self.ids.url.text = App.get_running_app().services.config["server"]["url"]
            self.ids.token.text = ""

    def back_step(self) -> bool:
        """返回 inside the admin goes to its main panel first."""
        if self.panel == "pair":   # step 2 of pairing goes back to step 1, the server
            self.show("servers")
            return True
        if self.panel in ("sound", "voice", "register", "servers"):
            self.show("main")
            return True
        return False

    def narration(self) -> str:
        return App.get_running_app().t("admin.pin_prompt")

    def refresh(self) -> None:
        app = App.get_running_app()
        s = app.services
        c = s.outbox.counts()
        lines = [app.t("admin.queue", **c),
                 app.t("admin.last_sync", when=local_time(c["last_sync_at"], app.tz) or app.t("admin.never"))]
        if c["last_error"] and c["last_error"] != c["damage"]:
            lines.append(app.t("admin.last_error", error=plain(c["last_error"])[:60]))
        disk = shutil.disk_usage(s.config.data_dir)   # outbox, logs and the speech model live there
        lines.append(app.t("admin.disk_free", gb=f"{disk.free / 2**30:.1f}", percent=round(100 * disk.free / disk.total)))
        lines.append(app.t("admin.printer", state=self._state(printer_state(s.printer))))
        if codes.is_loopback(s.config.public_url):   # the receipt's QR would open on nobody's phone
            lines.append(app.t("admin.public_loopback", url=s.config.public_url))
        voice = s.voice_usable() if s.voice_usable is not None else "ok"
        if voice != "ok" and not theme.is_compact(Window.height, app.scale):   # why home shows three tiles
            lines.append(app.t("admin.voice_unusable", reason=plain(voice)))   # (short screens: voice panel)
        self.status_text = "\n".join(lines)
        # in red: a damaged outbox (until cleared), rows that cannot be read, rows the server refused
        shown = [plain(c["damage"])] if c["damage"] else []
        for key, rows in (("unreadable", s.outbox.set_aside()), ("rejected", s.outbox.rejected())):
            shown += [app.t(f"admin.{key}_item", receipt=r["receipt"] or "", category=self._label(r["category"]),
                            reason=plain(r["reason"])) for r in rows[:SHOWN_REJECTED]]
            if len(rows) > SHOWN_REJECTED:
                shown.append(app.t(f"admin.{key}_more", count=len(rows) - SHOWN_REJECTED))
        self.rejected_text = "\n".join(shown)

    def _label(self, category: str | None) -> str:
        catalog = App.get_running_app().services.catalog
        return catalog.get(category).label if category in catalog else (category or "")

    def _voice_health(self) -> dict:
        return {k: self._state(v) for k, v in App.get_running_app().services.voice_health().items()}

    @staticmethod
    def _state(health: str) -> str:
        return App.get_running_app().t("admin.ok") if health == "ok" else plain(health)

    # -- sound ----------------------------------------------------------------
    def _sound_labels(self) -> None:
        app = App.get_running_app()
        sp = app.services.speaker
        self.volume_text = app.t("admin.volume", volume=round(getattr(sp, "volume", 0) * 100))
        self.rate_text = app.t("admin.rate", rate=getattr(sp, "rate", 0))

    def change_volume(self, step: int) -> None:
        app = App.get_running_app()
        sp = app.services.speaker
        sp.set_volume(round(min(1.0, max(0.1, getattr(sp, "volume", 0.9) + step * VOLUME_STEP)), 2))
        self._sound_labels()
        app.say(app.t("admin.speaker_test"))

    def change_rate(self, step: int) -> None:
        app = App.get_running_app()
        sp = app.services.speaker
        sp.set_rate(int(min(400, max(60, getattr(sp, "rate", 150) + step * RATE_STEP))))
        self._sound_labels()
        app.say(app.t("admin.speaker_test"))

    def test_speaker(self) -> None:
        app = App.get_running_app()
        self.message, self.message_kind = app.t("admin.speaker_test"), "ok"
        app.say(self.message)

    def test_microphone(self) -> None:
        """services.microphone_test() -> "ok" or a Chinese sentence saying what is wrong."""
        app = App.get_running_app()
        result = app.services.microphone_test()
        self.message = app.t("admin.mic_ok") if result == "ok" else plain(result)
        self.message_kind = "ok" if result == "ok" else "error"
        app.say(self.message)

    # -- register -------------------------------------------------------------
    def register(self) -> None:
        """Server URL + token into the config file (validated; takes effect at the next start)."""
        app = App.get_running_app()
        url, token = self.ids.url.text.strip(), self.ids.token.text.strip()
        updates = {"server": {"url": url}}
        if token:
            updates["server"]["token"] = token
        path = app.services.config.path or kconfig.default_config_path()
        try:
            kconfig.write_config(path, updates)
        except (kconfig.ConfigError, ValueError, OSError) as exc:
            self.message = app.t("admin.register_failed", reason=plain(str(exc).split(": ")[-1]))
            self.message_kind = "error"
        else:
            self.message, self.message_kind = app.t("admin.registered"), "ok"
            self.ids.token.text = ""
        app.say(self.message)

    def pair(self, code: str) -> None:
        """The 6-digit code -> the server answers with this kiosk's token and the public address for QR links;
        both go into the config file (they take effect at the next start)."""
        from sync.client import TransportError, pair

        app = App.get_running_app()
        self.ids.pair_code.value = ""
        if len(code) != 6:
            self.message, self.message_kind = app.t("admin.pair_six"), "warn"
            app.say(self.message)
            return
        try:
            got = pair(self.pair_url, code)
        except TransportError as exc:
            self.message, self.message_kind = app.t("admin.pair_failed", reason=plain(str(exc))), "error"
        else:
            path = app.services.config.path or kconfig.default_config_path()
            try:
                kconfig.write_config(path, {"server": {"url": self.pair_url, "token": got["token"],
                                                       "public_url": got["public_url"]}})
            except (kconfig.ConfigError, ValueError, OSError) as exc:
                self.message = app.t("admin.register_failed", reason=plain(str(exc).split(": ")[-1]))
                self.message_kind = "error"
            else:
                self.message, self.message_kind = app.t("admin.paired"), "ok"
        app.say(self.message)

    # -- the server on the LAN (mDNS) ---------------------------------------------
    def search_servers(self) -> None:
        """Pairing, step 1: the configured server first, then each one found on the LAN (kiosk/discover.py) as a
        big row; a tap takes its address to step 2, the code."""
        from kiosk.discover import Found, Search

        app = App.get_running_app()
        if self._search is not None:
            self._search.stop()
        self.ids.servers.clear_widgets()
        configured = app.services.config["server"]["url"]
        self._server_row(Found(app.t("admin.server_configured"), configured, (), ""))
        self.servers_text = app.t("admin.servers_searching")
        on_main = lambda fn: lambda arg: Clock.schedule_once(lambda _: fn(search, arg))  # noqa: E731
        search = Search(on_main(self._server_found), on_main(self._servers_done),
                        interfaces=app.services.config["server"]["discover_interfaces"])
        self._search = search.start()

    def _server_row(self, server) -> None:
        from kivy.factory import Factory

        app = App.get_running_app()
        row = Factory.AdminButton(icon="🖥", text=app.t("admin.server_row", name=server.name[:16],
                                                        address=server.url.removeprefix("http://")),
                                  size_hint_y=None, height=app.rp(theme.BUTTON))
        row.url = server.url
        row.bind(on_release=lambda *_: self.choose_server(server.url))
        self.ids.servers.add_widget(row)

    def _server_found(self, search, server) -> None:
        rows = self.ids.servers.children
        app = App.get_running_app()
        room = SHOWN_SERVERS_COMPACT if theme.is_compact(Window.height, app.scale) else SHOWN_SERVERS
        if search is not self._search or len(rows) > room or server.url in {r.url for r in rows}:
            return
        self._server_row(server)
        self.servers_text = app.t("admin.servers_found", count=len(rows) - 1)

    def _servers_done(self, search, found) -> None:
        if search is self._search and len(self.ids.servers.children) == 1:
            self.servers_text = App.get_running_app().t("admin.servers_none")

    def choose_server(self, url: str) -> None:
        """The tapped server is where the pairing code goes (written to the config when pairing succeeds)."""
        self.show("pair")
        self.pair_url = url
        self.message = ""   # a failure with the server before is no news about this one

    def exit(self) -> None:
        App.get_running_app().stop()
