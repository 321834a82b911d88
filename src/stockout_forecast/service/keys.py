"""API keys: made at random, shown once, stored as salted hashes, checked in constant time.

A key reads ``sof_<key_id>_<secret>``: ``key_id`` (12 hex digits) finds the stored row, and
``secret`` (43 URL-safe characters, 256 random bits) is checked against
``SHA-256(salt + secret)`` with :func:`hmac.compare_digest`. The secret itself is never
stored. A slow password hash (scrypt, bcrypt) protects guessable passwords; these secrets are
random 256-bit strings that cannot be guessed, so a single salted SHA-256 is as safe and adds
no latency to each write.

Scopes: ``read`` (GET endpoints, when reads need a key) and ``write`` (events, promises; a
write key also reads).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from .store import Store, keys_t, utcnow

__all__ = ["SCOPES", "ApiKey", "add_key", "list_keys", "revoke_key", "verify_key"]

SCOPES = ("read", "write")
_PREFIX = "sof"
_DUMMY_SALT = "0" * 32


@dataclass(frozen=True)
class ApiKey:
    """A stored key, without its secret."""

    key_id: str
    scope: str
    name: str | None
    created_at: str
    revoked: bool


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode("utf-8")).hexdigest()


def add_key(store: Store, scope: str, name: str | None = None) -> str:
    """Create a key with ``scope`` ("read" or "write"); returns the full key (shown once)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {list(SCOPES)}; got {scope!r}.")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    with store.write() as conn:
        conn.execute(
            keys_t.insert().values(
                key_id=key_id,
                salt=salt,
                key_hash=_hash(salt, secret),
                scope=scope,
                name=name,
                created_at=utcnow(),
            )
        )
    return f"{_PREFIX}_{key_id}_{secret}"


def verify_key(store: Store, key: str | None) -> str | None:
    """The scope of a valid, unrevoked key; None for anything else."""
    if not key or len(key) > 200:
        return None
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != _PREFIX:
        return None
    _, key_id, secret = parts
    with store.read() as conn:
        row = conn.execute(
            sa.select(keys_t.c.salt, keys_t.c.key_hash, keys_t.c.scope, keys_t.c.revoked_at).where(
                keys_t.c.key_id == key_id
            )
        ).first()
    if row is None:
        hmac.compare_digest(_hash(_DUMMY_SALT, secret), _hash(_DUMMY_SALT, ""))  # same work
        return None
    ok = hmac.compare_digest(_hash(row.salt, secret), row.key_hash)
    return row.scope if ok and row.revoked_at is None else None


def list_keys(store: Store) -> list[ApiKey]:
    """Every key (id, scope, name, creation time, revoked or not)."""
    with store.read() as conn:
        rows = conn.execute(sa.select(keys_t).order_by(keys_t.c.created_at)).all()
    return [
        ApiKey(r.key_id, r.scope, r.name, r.created_at.isoformat(), r.revoked_at is not None)
        for r in rows
    ]


def revoke_key(store: Store, key_id: str) -> bool:
    """Revoke a key by its id; False when there is no such key."""
    with store.write() as conn:
        n = conn.execute(
            keys_t.update()
            .where(keys_t.c.key_id == key_id, keys_t.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return bool(n.rowcount)
