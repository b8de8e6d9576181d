"""Exercise Authenticode signing on Linux: a throwaway CA, a tiny PE, osslsigncode.

    python packaging/windows/authenticode_dryrun.py WORKDIR

The release signs on Windows with signtool (sign.ps1); this is the same operation done
with osslsigncode so tests can check it here: a SHA-256 Authenticode signature plus an
RFC 3161 timestamp (osslsigncode's built-in TSA, from a throwaway TSA certificate, since no
timestamp server is reachable offline), then verification, then a one-byte tamper that
verification must refuse. Nothing made here is fit for a release.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

OPENSSL_EXT = """\
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[codesign]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[tsa]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def tiny_pe() -> bytes:
    """A minimal valid PE32+ (x64) console executable whose entry point returns 0."""
    dos = b"MZ" + b"\0" * 58 + struct.pack("<I", 0x40)
    coff = struct.pack("<HHIIIHH", 0x8664, 1, 0, 0, 0, 240, 0x0022)
    opt = struct.pack(
        "<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
        0x20B, 14, 0, 0x200, 0, 0, 0x1000, 0x1000,  # magic, linker, sizes, entry, code base
        0x140000000, 0x1000, 0x200,  # image base, section/file alignment
        6, 0, 0, 0, 6, 0, 0,  # OS, image, subsystem versions, Win32VersionValue
        0x2000, 0x200, 0,  # SizeOfImage, SizeOfHeaders, CheckSum
        3, 0x8100,  # console subsystem; NX compatible, terminal-server aware
        0x100000, 0x1000, 0x100000, 0x1000, 0, 16,  # stack/heap, loader flags, 16 dirs
    ) + b"\0" * (16 * 8)
    section = struct.pack(
        "<8sIIIIIIHHI", b".text", 3, 0x1000, 0x200, 0x200, 0, 0, 0, 0, 0x60000020
    )
    headers = dos + b"PE\0\0" + coff + opt + section
    code = b"\x31\xc0\xc3"  # xor eax, eax; ret
    return headers.ljust(0x200, b"\0") + code.ljust(0x200, b"\0")


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path
    tsa_cert: Path
    tsa_key: Path


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_certs(work: Path) -> Certs:
    """A throwaway root CA that issues a code-signing and a timestamping certificate."""
    work.mkdir(parents=True, exist_ok=True)
    ext = work / "ext.cnf"
    ext.write_text(OPENSSL_EXT, encoding="ascii")
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", work / "ca.key", "-out", work / "ca.pem",
             "-subj", "/CN=Ireti Till TEST root (throwaway)",
             "-config", ext, "-extensions", "ca")
    for name, cn in (("codesign", "Ireti Till TEST code signing"), ("tsa", "Ireti Till TEST TSA")):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", work / f"{name}.key",
                 "-out", work / f"{name}.csr", "-subj", f"/CN={cn}", "-config", ext)
        _openssl("x509", "-req", "-in", work / f"{name}.csr", "-CA", work / "ca.pem",
                 "-CAkey", work / "ca.key", "-CAcreateserial", "-days", "2",
                 "-extfile", ext, "-extensions", name, "-out", work / f"{name}.pem")
    # osslsigncode wants the TSA chain (leaf then CA) in one file.
    tsa_chain = work / "tsa-chain.pem"
    tsa_chain.write_bytes((work / "tsa.pem").read_bytes() + (work / "ca.pem").read_bytes())
    return Certs(work / "ca.pem", work / "codesign.pem", work / "codesign.key",
                 tsa_chain, work / "tsa.key")


def sign(src: Path, dst: Path, certs: Certs) -> subprocess.CompletedProcess[str]:
    """Authenticode SHA-256 signature with an RFC 3161 timestamp (built-in test TSA)."""
    dst.unlink(missing_ok=True)
    return subprocess.run(
        ["osslsigncode", "sign", "-certs", str(certs.cert), "-key", str(certs.key),
         "-h", "sha256", "-n", "Ireti Till", "-i", "https://ireti-till.invalid/",
         "-TSA-certs", str(certs.tsa_cert), "-TSA-key", str(certs.tsa_key),
         "-in", str(src), "-out", str(dst)],
        capture_output=True, text=True, check=False,
    )


def verify(path: Path, certs: Certs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["osslsigncode", "verify", "-CAfile", str(certs.ca), "-TSA-CAfile", str(certs.ca),
         "-in", str(path)],
        capture_output=True, text=True, check=False,
    )


def tamper(path: Path, offset: int = 0x200) -> None:
    """Flip one bit of the code section."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def main(argv: list[str]) -> int:
    if len(argv) != 1 or shutil.which("osslsigncode") is None:
        print("usage: authenticode_dryrun.py WORKDIR   (needs osslsigncode and openssl)")
        return 2
    work = Path(argv[0])
    certs = make_certs(work / "certs")
    exe = work / "tiny.exe"
    exe.write_bytes(tiny_pe())
    signed = work / "tiny-signed.exe"
    res = sign(exe, signed, certs)
    print(res.stdout.strip() or res.stderr.strip())
    good = verify(signed, certs)
    print(f"verify signed:   rc={good.returncode}")
    tampered = work / "tiny-tampered.exe"
    shutil.copy2(signed, tampered)
    tamper(tampered)
    bad = verify(tampered, certs)
    print(f"verify tampered: rc={bad.returncode} (must be non-zero)")
    return 0 if res.returncode == 0 and good.returncode == 0 and bad.returncode != 0 else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
