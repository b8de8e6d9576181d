"""PIN hashing: scrypt (``hashlib.scrypt``) with a per-user salt and a per-install pepper.

    encoded = "scrypt$n=16384,r=8,p=1$<salt, base64>$<hash, base64>"
    hash    = scrypt(password=HMAC-SHA256(pepper, pin), salt, n, r, p, dklen=32)

- The pepper (32 random bytes, secret ``pin-pepper``) lives in the keyring, not the
  database: a stolen ledger file alone gives an attacker nothing to test guesses against.
- With the pepper too, each guess costs one scrypt: n=2**14, r=8 needs 16 MiB and takes a
  median of about 50 ms on the development machine when it is idle and about 95 ms when
  both of its cores are busy (n=2**15 took 94 ms idle but 210-335 ms busy; see
  ``benchmarks/bench_pin.py``). 50-100 ms is instant for a person, even when a PIN alone is
  checked against several users, and makes the 10**6 six-digit PINs cost about 14 CPU-hours
  per user (per-user salts: no work is shared between users), about 10**5 times a SHA-256.
- The parameters travel in the encoded string, so they can be raised later:
  ``needs_rehash`` says when a stored hash is weaker than today's setting, and the staff
  service re-hashes at the next successful sign-in.
- Comparison is constant-time (``hmac.compare_digest``); a malformed string verifies False.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from typing import Final

DEFAULT_N: Final = 2**14
DEFAULT_R: Final = 8
DEFAULT_P: Final = 1
SALT_BYTES: Final = 16
DKLEN: Final = 32
_MAX_N: Final = 2**20
_ENCODED_RE: Final = re.compile(
    r"^scrypt\$n=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class ScryptPinHasher:
    def __init__(self, pepper: bytes, *, n: int = DEFAULT_N, r: int = DEFAULT_R,
                 p: int = DEFAULT_P) -> None:
        if len(pepper) < 16:
            raise ValueError("the PIN pepper must be at least 16 bytes")
        if n < 2 or n & (n - 1) or n > _MAX_N:
            raise ValueError("n must be a power of two up to 2**20")
        self._pepper = pepper
        self.n, self.r, self.p = n, r, p

    def _derive(self, pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
        peppered = hmac.digest(self._pepper, pin.encode("utf-8"), "sha256")
        return hashlib.scrypt(peppered, salt=salt, n=n, r=r, p=p, dklen=DKLEN,
                              maxmem=256 * n * r * p + 1024 * 1024)

    def hash(self, pin: str) -> str:
        salt = os.urandom(SALT_BYTES)
        digest = self._derive(pin, salt, self.n, self.r, self.p)
        return f"scrypt$n={self.n},r={self.r},p={self.p}${_b64(salt)}${_b64(digest)}"

    @staticmethod
    def _parse(encoded: str) -> tuple[int, int, int, bytes, bytes] | None:
        m = _ENCODED_RE.match(encoded)
        if m is None:
            return None
        n, r, p = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if n < 2 or n & (n - 1) or n > _MAX_N or not 1 <= r <= 32 or not 1 <= p <= 16:
            return None
        try:
            return n, r, p, base64.b64decode(m.group(4)), base64.b64decode(m.group(5))
        except ValueError:
            return None

    def verify(self, pin: str, encoded: str) -> bool:
        parsed = self._parse(encoded)
        if parsed is None:
            return False
        n, r, p, salt, expected = parsed
        return hmac.compare_digest(self._derive(pin, salt, n, r, p), expected)

    def needs_rehash(self, encoded: str) -> bool:
        parsed = self._parse(encoded)
        if parsed is None:
            return True
        n, r, p, salt, _ = parsed
        return n < self.n or r < self.r or p < self.p or len(salt) < SALT_BYTES
