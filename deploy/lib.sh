# Shared by scripts/install-kiosk and scripts/install-server (sourced). Idempotent steps that print what
# they change; --dry-run only prints; --root DIR writes every file under DIR and skips what needs a real
# system (apt, useradd, systemctl start, update-grub).
ROOT=""; DRY=0
say() { printf '%s\n' "$*"; }
change() { say "+ $*"; }
real() { [[ -z "$ROOT" && $DRY -eq 0 ]]; }

# run CMD...: run it on a real system, print it otherwise
run() {
  if real; then change "$*"; "$@"; else say "(skipped: $*)"; fi
}

# put PATH MODE OWNER: write stdin to $ROOT$PATH if its content or mode differs
put() {
  local path="$ROOT$1" mode="$2" owner="${3:-root:root}" tmp
  tmp=$(mktemp); cat >"$tmp"
  if [[ -f "$path" ]] && cmp -s "$tmp" "$path" && [[ "$(stat -c %a "$path")" == "${mode#0}" ]]; then
    rm -f "$tmp"; return 0
  fi
  if (( DRY )); then
    change "write $1 (mode $mode, $owner)"; [[ -f "$path" ]] && diff -u "$path" "$tmp" | sed 's/^/    /' | head -40
    rm -f "$tmp"; return 0
  fi
  change "write $1 (mode $mode)"
  mkdir -p "$(dirname "$path")"
  install -m "$mode" "$tmp" "$path"; rm -f "$tmp"
  real && chown "$owner" "$path" || true
}

# put_once PATH MODE OWNER: like put, but never replaces a file that exists (configs people edit)
put_once() {
  if [[ -e "$ROOT$1" ]]; then cat >/dev/null; say "  $1 exists, kept"; else put "$@"; fi
}

# dir PATH MODE OWNER
dir() {
  local path="$ROOT$1"
  [[ -d "$path" && "$(stat -c %a "$path")" == "${2#0}" ]] && return 0
  if (( DRY )); then change "mkdir $1 (mode $2, ${3:-root:root})"; return 0; fi
  change "mkdir $1 (mode $2)"; mkdir -p "$path"; chmod "$2" "$path"
  real && chown "${3:-root:root}" "$path" || true
}

# template FILE KEY=VALUE...: deploy/FILE with @KEY@ replaced
template() {
  local file="$1"; shift
  local text; text=$(<"$DEPLOY/$file")
  local kv
  for kv in "$@"; do text=${text//@${kv%%=*}@/${kv#*=}}; done
  if [[ "$text" == *@[A-Z_]*@* ]]; then say "install: $file: unfilled $(grep -o '@[A-Z_]*@' <<<"$text" | sort -u | tr '\n' ' ')" >&2; exit 1; fi
  printf '%s\n' "$text"
}

apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  (( ${#missing[@]} )) || return 0
  if real; then
    change "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else say "(skipped: apt-get install ${missing[*]})"; fi
}

system_user() {   # system_user NAME HOME [GROUPS]
  if id "$1" >/dev/null 2>&1 || ! real; then
    real || say "(skipped unless real: system user $1, home $2${3:+, groups $3})"
    real && [[ -n "${3:-}" ]] && usermod -a -G "$3" "$1"
    return 0
  fi
  change "useradd --system $1"
  useradd --system --home-dir "$2" --no-create-home --shell /usr/sbin/nologin ${3:+--groups "$3"} "$1"
}

# the project into a venv: PREFIX/venv (a wheel or this checkout)
install_venv() {   # install_venv PREFIX SOURCE
  local venv="$ROOT$1/venv"
  if (( DRY )); then say "(dry run: python3 -m venv $1/venv; pip install $2)"; return 0; fi
  if [[ ! -x "$venv/bin/python" ]]; then change "python3 -m venv $1/venv"; python3 -m venv "$venv"; fi
  if [[ -n "$ROOT" ]]; then
    # --root: no pip install (minutes, network); entry points that say so, so the units verify against real paths
    local b
    for b in kiosk community-server; do
      [[ -x "$venv/bin/$b" ]] || { printf '#!/bin/sh\necho "%s: placeholder written by install --root" >&2; exit 1\n' "$b" >"$venv/bin/$b"; chmod 755 "$venv/bin/$b"; }
    done
    return 0
  fi
  change "pip install $2 into $1/venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "$2"
}

parse_common() {   # sets ROOT, DRY; leaves the rest in REST
  REST=()
  while (( $# )); do
    case "$1" in
      --root) ROOT="$(realpath -m "$2")"; shift 2 ;;
      --root=*) ROOT="$(realpath -m "${1#*=}")"; shift ;;
      --dry-run) DRY=1; shift ;;
      *) REST+=("$1"); shift ;;
    esac
  done
  [[ -n "$ROOT" ]] && mkdir -p "$ROOT"
  if real && [[ $(id -u) -ne 0 ]]; then say "install: run as root (sudo), or with --root DIR / --dry-run" >&2; exit 1; fi
  return 0
}

verify_units() {   # verify_units UNIT...: systemd-analyze verify; fails the install on any complaint
  command -v systemd-analyze >/dev/null || { say "(systemd-analyze not found: units not verified)"; return 0; }
  (( DRY )) && { say "(dry run: units not verified)"; return 0; }
  local tmp u out; tmp=$(mktemp -d)
  for u in "$@"; do
    # under --root the program lives in $ROOT$PREFIX: verify the same unit with that one prefix added, so
    # systemd checks the real files the unit names (the host's targets and /usr/bin binaries otherwise)
    sed "s#$PREFIX/#$ROOT$PREFIX/#g" "$ROOT/etc/systemd/system/$u" >"$tmp/$u"
  done
  say "systemd-analyze verify $*"
  out=$(cd "$tmp" && systemd-analyze verify "$@" 2>&1) || { say "$out" >&2; rm -rf "$tmp"; return 1; }
  rm -rf "$tmp"
  if [[ -n "$out" ]]; then say "$out" >&2; return 1; fi
  say "  units verified"
}
