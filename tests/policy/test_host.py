"""The CPU description that benchmarks print and model cards record."""

from __future__ import annotations

from pathlib import Path

from droidpilot.policy.host import cpu_info, cpu_summary, parse_cpuinfo

# The head of /proc/cpuinfo on the 2-core KVM guest of 2026-11-30 (flags cut to a few).
AMD = """\
processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 25
model\t\t: 17
model name\t: AMD EPYC
cpu MHz\t\t: 2596.148
flags\t\t: fpu sse sse2 fma avx avx2 avx512f avx512dq avx512_bf16 avx512_vnni sha_ni

processor\t: 1
vendor_id\t: AuthenticAMD
model name\t: Something Else
flags\t\t: fpu
"""

INTEL = """\
processor	: 0
vendor_id	: GenuineIntel
cpu family	: 6
model		: 85
model name	: Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz
cpu MHz		: 2500.000
flags		: fpu avx avx2 fma avx512f avx512cd avx512bw
"""

ARM = """\
processor	: 0
BogoMIPS	: 243.75
Features	: fp asimd evtstrm aes pmull sha1 sha2 crc32 asimddp i8mm bf16 sve
CPU implementer	: 0x41
CPU architecture: 8
CPU variant	: 0x1
CPU part	: 0xd40
"""


def test_amd_first_processor_only() -> None:
    info = parse_cpuinfo(AMD)
    assert info == {
        "model": "AMD EPYC",
        "vendor": "AuthenticAMD",
        "family": 25,
        "model_id": 17,
        "mhz": 2596,
        "isa": ["avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16"],
    }


def test_intel_without_vnni_says_so_by_leaving_it_out() -> None:
    info = parse_cpuinfo(INTEL)
    assert info["model"] == "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz"
    assert info["isa"] == ["avx2", "fma", "avx512f"]
    line = cpu_summary({**info, "usable_cpus": 2})
    assert line == (
        "Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz (GenuineIntel family 6 model 85, "
        "2500 MHz), 2 CPUs; avx2 fma avx512f"
    )


def test_arm_features_and_part() -> None:
    info = parse_cpuinfo(ARM)
    assert info["vendor"] == "implementer 0x41"
    assert info["part"] == 0xD40
    assert info["isa"] == ["asimd", "asimddp", "i8mm", "bf16", "sve"]
    assert "model" not in info  # Arm kernels name no model: cpu_info falls back


def test_unreadable_or_empty_cpuinfo_falls_back(tmp_path: Path) -> None:
    missing = cpu_info(tmp_path / "nope")
    assert missing["model"]
    assert missing["arch"]
    assert missing["usable_cpus"] >= 1
    empty = tmp_path / "cpuinfo"
    empty.write_bytes(b"\xff\xfe garbage without colons\n\n")
    info = cpu_info(empty)
    assert info["model"]
    assert info["isa"] == []
    assert "no AVX2/AVX-512/NEON extensions named" in cpu_summary(info)


def test_this_machine() -> None:
    line = cpu_summary()
    assert line
    assert "CPUs" in line
