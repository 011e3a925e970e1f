"""The install scripts on this machine without a boot: --root DIR writes every file under DIR and verifies the
units with systemd-analyze (and the nginx site with nginx -t); --dry-run changes nothing. The generated nginx
site then really runs in front of a real `community-server serve` with the generated certificate."""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from sync.protocol import MAX_BODY_BYTES, SUBMIT_PATH
from tests.conftest import free_port
from tests.sync.realserver import running

ROOT = Path(__file__).resolve().parents[2]


def install(script: str, *args: str) -> subprocess.CompletedProcess:
    r = subprocess.run([str(ROOT / "scripts" / script), *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def changes(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("+ ") and "enabled" not in line]


def test_install_kiosk_root_writes_a_verified_unit_and_is_idempotent(tmp_path):
    key = tmp_path / "k.pub"
    key.write_text("-----BEGIN PUBLIC KEY-----\n")
    root = tmp_path / "root"
    first = install("install-kiosk", "--root", str(root), "--server-url", "https://192.168.1.10", "--token", "k_secret",
                    "--bundle-key", str(key))
    assert "units verified" in first.stdout
    unit = (root / "etc/systemd/system/xingfu-kiosk.service").read_text()
    for setting in ("Type=notify", "NotifyAccess=all", "WatchdogSec=30", "Restart=always", "StandardOutput=journal",
                    "ExecStart=/usr/bin/cage -d -s -- /opt/xingfu-kiosk/venv/bin/kiosk run",
                    "SDL_VIDEO_ALLOW_SCREENSAVER=0", "amixer -q sset Master 90% unmute"):
        assert setting in unit
    assert (root / "etc/systemd/system/graphical.target.wants/xingfu-kiosk.service").is_symlink()
    config = root / "etc/xingfu-kiosk/kiosk.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o640 and 'token = "k_secret"' in config.read_text()
    from kiosk import config as kconfig
    cfg = kconfig.load(config)   # what the kiosk will read at boot
    assert cfg["server"]["token"] == "k_secret" and str(cfg.data_dir) == "/var/lib/xingfu-kiosk"
    assert cfg["screen"]["fullscreen"] is True
    assert "consoleblank=0" in (root / "etc/default/grub.d/xingfu-kiosk.cfg").read_text()
    assert (root / "etc/xingfu-kiosk/bundle-key.pub").read_text() == key.read_text()
    update = (root / "usr/local/sbin/xingfu-kiosk-update").read_text()
    assert "KIOSK_CONFIG=/etc/xingfu-kiosk/kiosk.toml /opt/xingfu-kiosk/venv/bin/kiosk update" in update

    config.write_text(config.read_text() + "# edited at the post\n")
    again = install("install-kiosk", "--root", str(root), "--server-url", "https://other", "--bundle-key", str(key))
    assert changes(again.stdout) == [], again.stdout           # nothing to do the second time
    assert "# edited at the post" in config.read_text()        # and a file people edit is kept


def test_verify_is_a_real_check(tmp_path):
    """The same unit pointing at a program that is not there: systemd-analyze complains (so 'verified' means it)."""
    root = tmp_path / "root"
    install("install-kiosk", "--root", str(root))
    broken = tmp_path / "xingfu-kiosk.service"
    broken.write_text((root / "etc/systemd/system/xingfu-kiosk.service").read_text()
                      .replace("/usr/bin/cage", "/usr/bin/no-such-compositor"))
    r = subprocess.run(["systemd-analyze", "verify", broken.name], cwd=tmp_path, capture_output=True, text=True)
    assert "no-such-compositor" in r.stderr


def test_dry_run_changes_nothing(tmp_path):
    root = tmp_path / "root"
    out = install("install-kiosk", "--dry-run", "--root", str(root), "--token", "k_x")
    assert "+ write /etc/systemd/system/xingfu-kiosk.service" in out.stdout
    out = install("install-server", "--dry-run", "--root", str(root), "--server-name", "192.168.1.10")
    assert "+ write /etc/nginx/sites-available/xingfu-community.conf" in out.stdout
    assert list(root.rglob("*")) == []


def test_install_server_root(tmp_path):
    root = tmp_path / "root"
    first = install("install-server", "--root", str(root), "--server-name", "192.168.1.10")
    assert "units verified" in first.stdout and "nginx configuration ok" in first.stdout
    site = (root / "etc/nginx/sites-available/xingfu-community.conf").read_text()
    assert f"client_max_body_size {MAX_BODY_BYTES + 65536};" in site
    env = (root / "etc/xingfu-community/server.env").read_text()
    assert "COMMUNITY_SECURE_COOKIES=1" in env and "COMMUNITY_TRUSTED_PROXIES=127.0.0.1" in env
    assert stat.S_IMODE((root / "etc/xingfu-community/tls/community.key").stat().st_mode) == 0o600
    wants = root / "etc/systemd/system/timers.target.wants"
    assert {p.name for p in wants.iterdir()} == {"community-purge.timer", "community-backup.timer"}
    backup = (root / "etc/systemd/system/community-backup.service").read_text()
    assert "community-server backup --to" in backup
    assert "community-server purge" in (root / "etc/systemd/system/community-purge.service").read_text()
    assert changes(install("install-server", "--root", str(root), "--server-name", "192.168.1.10").stdout) == []


def test_generated_nginx_site_in_front_of_the_real_server(tmp_path):
    """TLS with the generated certificate, secure cookies, a cadre login through the proxy (CSRF sees https via
    the trusted proxy headers) and the protocol's body limit."""
    assert shutil.which("nginx"), "nginx is not installed (apt-get install nginx-light)"
    root = tmp_path / "root"
    install("install-server", "--root", str(root), "--server-name", "localhost")
    cert = root / "etc/xingfu-community/tls/community.crt"
    with running(tmp_path / "srv") as srv:
        srv.stop()
        srv.env.update(COMMUNITY_SECURE_COOKIES="1", COMMUNITY_TRUSTED_PROXIES="127.0.0.1")
        srv.start()
        srv.cli("add-user", "--username", "cadre1", "--password", "a-long-password", "--post", "WJZ1")
        https, http = free_port(), free_port()
        site = (root / "etc/nginx/sites-available/xingfu-community.conf").read_text()
        site = (site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;").replace("listen 80;", f"listen 127.0.0.1:{http};")
                .replace("listen [::]:443 ssl;", "").replace("listen [::]:80;", "")
                .replace("/etc/xingfu-community/tls", str(root / "etc/xingfu-community/tls"))
                .replace("proxy_pass http://127.0.0.1:8700;", f"proxy_pass http://127.0.0.1:{srv.port};"))
        conf = tmp_path / "nginx.conf"
        (tmp_path / "site.conf").write_text(site)
        conf.write_text(f"{'user root;' if os.geteuid() == 0 else ''}\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\ndaemon off;\nevents {{}}\n"
                        f"http {{\n access_log off;\n client_body_temp_path {tmp_path};\n include {tmp_path}/site.conf;\n}}\n")
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-e", str(tmp_path / "error.log")])
        try:
            base = f"https://localhost:{https}"
            for _ in range(100):
                try:
                    health = requests.get(base + "/healthz", verify=str(cert), timeout=5)
                    break
                except requests.ConnectionError:
                    time.sleep(0.1)
            assert health.status_code == 200 and health.json()["database"] == "ok"
            assert requests.get(f"http://localhost:{http}/healthz", allow_redirects=False, timeout=5).status_code == 301

            s = requests.Session()   # verify= on each call: $REQUESTS_CA_BUNDLE would override a session's
            page = s.get(base + "/login/", verify=str(cert), timeout=10)
            assert any(c.name == "csrftoken" and c.secure for c in s.cookies)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
            login = s.post(base + "/login/", data={"csrfmiddlewaretoken": token, "username": "cadre1",
                                                   "password": "a-long-password"},
                           headers={"Referer": base + "/login/"}, allow_redirects=False, verify=str(cert), timeout=10)
            assert login.status_code == 302, login.text[:300]
            assert any(c.name == "sessionid" and c.secure for c in s.cookies)

            auth = {"Authorization": f"Bearer {srv.token}", "Content-Type": "application/json"}
            padded = b'{"protocol": 1, "items": []' + b" " * MAX_BODY_BYTES + b"}"   # valid JSON, over the limit
            near = requests.post(base + SUBMIT_PATH, data=padded, headers=auth,
                                 verify=str(cert), timeout=30)
            assert near.status_code == 413 and near.json()["error"] == "body_too_large"   # the server's own answer
            far = requests.post(base + SUBMIT_PATH, data=padded + b" " * 200_000, headers=auth,
                                verify=str(cert), timeout=30)
            assert far.status_code == 413 and "nginx" in far.text   # stopped at the proxy
        finally:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(10)
    assert os.path.exists(cert)


def _exec_lines(unit: Path, key: str) -> list[list[str]]:
    """`key=` command lines of a unit as systemd hands them to exec: %% and $$ unescaped, quotes split."""
    import shlex

    return [shlex.split(line.split("=", 1)[1].replace("%%", "%").replace("$$", "$"))
            for line in unit.read_text().splitlines() if line.startswith(key + "=")]


def test_backup_unit_commands_run_and_keep_the_newest(tmp_path):
    """The backup unit's own ExecStart and ExecStartPost, with the installed paths pointed at this checkout."""
    root = tmp_path / "root"
    install("install-server", "--root", str(root), "--server-name", "192.168.1.10", "--keep", "3")
    unit = root / "etc/systemd/system/community-backup.service"
    backups = tmp_path / "backups"
    backups.mkdir()
    venv_cli = str(Path(sys.executable).parent / "community-server")
    made: set[str] = set()
    with running(tmp_path / "srv") as srv:
        for n in range(5):
            for argv in _exec_lines(unit, "ExecStart") + _exec_lines(unit, "ExecStartPost"):
                argv = [a.replace("/opt/xingfu-community/venv/bin/community-server", venv_cli)
                        .replace("/var/backups/xingfu-community", str(backups)) for a in argv]
                subprocess.run(argv, env=srv.env, check=True, timeout=120)
            made |= {p.name for p in backups.iterdir()}
            if n < 4:
                time.sleep(1.1)   # the file name has the time to the second
    kept = sorted(p.name for p in backups.iterdir())
    assert len(made) == 5 and kept == sorted(made)[-3:]
    assert all(re.fullmatch(r"community-\d{8}-\d{6}\.xfbk", k) for k in kept)
    assert all(stat.S_IMODE((backups / k).stat().st_mode) == 0o600 for k in kept)
