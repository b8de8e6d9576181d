"""Till tokens, enrolment codes and back-office users' passwords.

The server keeps only hashes: SHA-256 of a till token or enrolment code (both are long
random values, so a fast hash is enough), scrypt of a person's password."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from ireti_till.domain.errors import BackofficeError
from ireti_till.domain.feed import check_store_id, check_till_id
from ireti_till.server.schema import audit, metrics_tokens, stores, tills, users

ENROL_TTL = timedelta(hours=24)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _alg, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), dklen=32, **_SCRYPT)
    except ValueError:
        return False
    return hmac.compare_digest(got.hex(), digest)


def make_enrolment(engine: Engine, till_id: str, store_id: str, actor: str = "cli") -> str:
    """A new one-time code for ``till_id`` in ``store_id`` (creating the store if new)."""
    check_till_id(till_id)
    check_store_id(store_id)
    code = secrets.token_urlsafe(12)
    expires = datetime.now(UTC) + ENROL_TTL
    with engine.begin() as conn:
        conn.execute(pg_insert(stores).values(id=store_id, name=store_id)
                     .on_conflict_do_nothing())
        row = conn.execute(select(tills.c.store_id).where(tills.c.id == till_id)).first()
        if row is not None and row.store_id != store_id:
            raise BackofficeError(
                f"Till {till_id} belongs to store {row.store_id}, not {store_id}. Use another "
                "till id for the new store.", code="IT-703")
        values = {"enrol_code_hash": sha256(code), "enrol_expires_at": expires}
        if row is None:
            conn.execute(insert(tills).values(id=till_id, store_id=store_id, **values))
        else:
            conn.execute(update(tills).where(tills.c.id == till_id).values(**values))
        conn.execute(insert(audit).values(actor=actor, action="till.enrolment_code",
                                          details={"till": till_id, "store": store_id}))
    return code


def redeem(engine: Engine, till_id: str, code: str) -> str:
    """Exchange a one-time code for the till's token (returned once, stored hashed)."""
    check_till_id(till_id)
    token = f"{till_id}.{secrets.token_urlsafe(32)}"
    now = datetime.now(UTC)
    refused = BackofficeError(
        "This enrolment code is not valid for this till (wrong, used or expired). Ask the "
        "back-office admin for a new one: ireti-till server enrol TILL --store STORE.",
        code="IT-703")
    with engine.begin() as conn:
        row = conn.execute(select(tills).where(tills.c.id == till_id).with_for_update()).first()
        if (row is None or row.enrol_code_hash is None or row.enrol_expires_at is None
                or row.enrol_expires_at < now
                or not hmac.compare_digest(row.enrol_code_hash, sha256(code))):
            raise refused
        conn.execute(update(tills).where(tills.c.id == till_id).values(
            token_hash=sha256(token), enrol_code_hash=None, enrol_expires_at=None,
            enrolled_at=now, revoked_at=None))
        conn.execute(insert(audit).values(actor=till_id, action="till.enrolled",
                                          details={"till": till_id}))
    return token


def revoke(engine: Engine, till_id: str, actor: str = "cli") -> bool:
    with engine.begin() as conn:
        res = conn.execute(update(tills).where(tills.c.id == till_id).values(
            token_hash=None, enrol_code_hash=None, revoked_at=datetime.now(UTC)))
        conn.execute(insert(audit).values(actor=actor, action="till.revoked",
                                          details={"till": till_id}))
        return bool(res.rowcount)


def till_for_token(engine: Engine, token: str) -> tuple[str, str] | None:
    """(till id, store id) for a valid bearer token, else None."""
    with engine.connect() as conn:
        row = conn.execute(select(tills.c.id, tills.c.store_id).where(
            tills.c.token_hash == sha256(token), tills.c.revoked_at.is_(None))).first()
    return None if row is None else (str(row.id), str(row.store_id))


def add_user(engine: Engine, name: str, password: str) -> None:
    if not 1 <= len(name) <= 64 or len(password) < 10:
        raise BackofficeError("A user name is 1 to 64 characters and a password at least 10.",
                              code="IT-704")
    with engine.begin() as conn:
        conn.execute(pg_insert(users).values(name=name, password_hash=hash_password(password))
                     .on_conflict_do_update(index_elements=["name"],
                                            set_={"password_hash": hash_password(password)}))
        conn.execute(insert(audit).values(actor="cli", action="user.set",
                                          details={"user": name}))


def make_metrics_token(engine: Engine, name: str, actor: str = "cli") -> str:
    """A new Prometheus scrape token named ``name`` (returned once, stored hashed); a token
    made again under the same name replaces the old one (rotation)."""
    if not 1 <= len(name) <= 64 or not all(c.isalnum() or c in "-_." for c in name):
        raise BackofficeError("A scrape token's name is 1 to 64 letters, digits, '-', '_' or "
                              "'.'.", code="IT-704")
    token = f"m.{secrets.token_urlsafe(32)}"
    with engine.begin() as conn:
        conn.execute(pg_insert(metrics_tokens).values(name=name, token_hash=sha256(token))
                     .on_conflict_do_update(index_elements=["name"],
                                            set_={"token_hash": sha256(token)}))
        conn.execute(insert(audit).values(actor=actor, action="metrics_token.set",
                                          details={"name": name}))
    return token


def revoke_metrics_token(engine: Engine, name: str, actor: str = "cli") -> bool:
    with engine.begin() as conn:
        gone = conn.execute(delete(metrics_tokens).where(metrics_tokens.c.name == name))
        conn.execute(insert(audit).values(actor=actor, action="metrics_token.revoked",
                                          details={"name": name}))
        return bool(gone.rowcount)


def metrics_token_ok(engine: Engine, token: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(metrics_tokens.c.name).where(
            metrics_tokens.c.token_hash == sha256(token))).first() is not None
