"""What a figure was measured on: the CPU by name, family and the vector extensions that set
how fast a small model runs on it.

The same code and weights gave a 2.17 s median planner step on one 2-core machine of ours and
0.93 s on another (both report only "x86_64" to :func:`platform.processor`): a latency figure
means little without the CPU beside it. Benchmarks print :func:`cpu_summary`; model cards and
evaluation tables record :func:`cpu_info`. Reading never raises: what cannot be read is left
out.
"""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path
from typing import Any

__all__ = ["ISA_FLAGS", "cpu_info", "cpu_summary", "parse_cpuinfo"]

#: The instruction-set extensions worth naming for CPU inference, in the order printed:
#: fp32 matrix products (avx2/fma, avx512f), int8 dot products (VNNI), bf16 (AVX-512 BF16,
#: AMX) on x86; NEON dot products, int8 matrix multiply, bf16 and SVE on Arm.
ISA_FLAGS: tuple[str, ...] = (
    "avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_tile", "amx_int8",
    "amx_bf16", "asimd", "asimddp", "i8mm", "bf16", "sve", "sve2",
)  # fmt: skip

_CPUINFO = Path("/proc/cpuinfo")


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value, 0)
    except ValueError:
        return None


def parse_cpuinfo(text: str) -> dict[str, Any]:
    """The first processor's name, vendor, family, model, clock and named extensions from the
    text of ``/proc/cpuinfo`` (x86 or Arm). Missing fields are left out."""
    first: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if first:
                break
            continue
        key, sep, value = line.partition(":")
        if sep:
            first.setdefault(key.strip().lower(), value.strip())
    out: dict[str, Any] = {}
    name = first.get("model name") or first.get("hardware") or first.get("cpu model")
    if name:
        out["model"] = " ".join(name.split())
    if "vendor_id" in first:
        out["vendor"] = first["vendor_id"]
    elif "cpu implementer" in first:
        out["vendor"] = f"implementer {first['cpu implementer']}"
    for key, field in (("cpu family", "family"), ("model", "model_id"), ("cpu part", "part")):
        number = _int(first.get(key))
        if number is not None:
            out[field] = number
    with contextlib.suppress(KeyError, ValueError):
        out["mhz"] = round(float(first["cpu mhz"]))
    flags = set((first.get("flags") or first.get("features") or "").split())
    out["isa"] = [f for f in ISA_FLAGS if f in flags]
    return out


def cpu_info(cpuinfo: Path = _CPUINFO) -> dict[str, Any]:
    """This machine's CPU: :func:`parse_cpuinfo` of ``/proc/cpuinfo`` where there is one, the
    CPUs this process may use and the machine's count, and the architecture."""
    try:
        info = parse_cpuinfo(cpuinfo.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        info = {}
    if "model" not in info:
        info["model"] = platform.processor() or platform.machine() or "unknown"
    info["arch"] = platform.machine()
    info["cpus"] = os.cpu_count()
    try:
        info["usable_cpus"] = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        info["usable_cpus"] = info["cpus"]
    return info


def cpu_summary(info: dict[str, Any] | None = None) -> str:
    """One line for a benchmark's header, e.g. ``AMD EPYC (AuthenticAMD family 25 model 17,
    2596 MHz), 2 CPUs; avx2 fma avx512f avx512_vnni avx512_bf16``."""
    info = cpu_info() if info is None else info
    ident = [str(info[k]) for k in ("vendor",) if info.get(k)]
    ident += [f"{label} {info[k]}" for k, label in (("family", "family"), ("model_id", "model"),
                                                    ("part", "part")) if k in info]  # fmt: skip
    detail = " ".join(ident)
    if info.get("mhz"):
        detail = f"{detail}, {info['mhz']} MHz" if detail else f"{info['mhz']} MHz"
    head = f"{info.get('model', 'unknown')}" + (f" ({detail})" if detail else "")
    cpus = info.get("usable_cpus") or info.get("cpus")
    if cpus:
        head += f", {cpus} CPUs"
    isa = info.get("isa") or []
    return head + (f"; {' '.join(isa)}" if isa else "; no AVX2/AVX-512/NEON extensions named")
