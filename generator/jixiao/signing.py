"""Signing what the bureau pre-fills, so a department cannot file as another.

A pre-filled form carries, in its hidden metadata sheet, an HMAC-SHA256 of the canonical
JSON of its template id and version, its structure fingerprint and the pre-fill (the
department's code and name, budgets, declared indicators), with the id of the key that
made it. Only the bureau holds the key: a department that edits the pre-fill cannot make
a matching signature.

A key file holds one secret per line (64 hex digits), the current one first; older lines
still check the forms they signed, so a bureau rotates a key by putting a new line on
top. The file is ``$JIXIAO_KEY``, else ``~/.config/jixiao/bureau.key`` (the portal keeps
its own beside its SQLite archive); ``build --data`` creates it (mode 0600) on first use.

>>> keys = Keyring.load_or_create(Path("bureau.key"))
>>> sig = keys.sign("guizhou-zhengti", 1, "e5fb579eaf8dbe60", {"_department": {"code": "440005"}})
>>> keys.check(sig, "guizhou-zhengti", 1, "e5fb579eaf8dbe60", {"_department": {"code": "440005"}})
'signed'
>>> keys.check(sig, "guizhou-zhengti", 1, "e5fb579eaf8dbe60", {"_department": {"code": "440008"}})
'forged'
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Environment variable naming the key file.
KEY_ENV = "JIXIAO_KEY"
#: Metadata-sheet keys of the signature and of the id of the key that made it.
SIGNATURE_META, KEY_ID_META = "signature", "key_id"

# What checking a form's signature found (Verification.origin).
SIGNED = "signed"  # made with one of our keys over exactly this pre-fill
UNSIGNED = "unsigned"  # no signature: built without a key (origin cannot be proved)
UNCHECKED = "unchecked"  # signed, but no key here to check it with
UNKNOWN_KEY = "unknown_key"  # signed with a key that is not ours
FORGED = "forged"  # signed with our key over something else: the pre-fill was changed

_SECRET = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Signature:
    """A signature as stored in a form: the key id and the HMAC (hex)."""

    key_id: str
    mac: str


def signed_message(template_id: str, version: int, fingerprint: str, prefill: Any) -> bytes:
    """The canonical bytes signed: sorted keys, no spaces, non-ASCII kept.

    The pre-fill is taken through JSON first (as the form stores it), so a signer and a
    checker that see the same stored text compute the same bytes.
    """
    body = {"template_id": template_id, "template_version": version, "fingerprint": fingerprint,
            "prefill": json.loads(json.dumps(prefill, ensure_ascii=False, sort_keys=True, default=str))}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _key_id(secret: bytes) -> str:
    return hashlib.sha256(b"jixiao key id\0" + secret).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The bureau's secrets, current first (frozen and picklable: it travels to workers)."""

    secrets: tuple[bytes, ...]

    @property
    def key_id(self) -> str:
        """The id of the current key (the one that signs)."""
        return _key_id(self.secrets[0])

    def sign(self, template_id: str, version: int, fingerprint: str, prefill: Any) -> Signature:
        mac = hmac.new(self.secrets[0], signed_message(template_id, version, fingerprint, prefill), hashlib.sha256)
        return Signature(self.key_id, mac.hexdigest())

    def check(self, signature: Signature | None, template_id: str, version: int, fingerprint: str,
              prefill: Any) -> str:
        """SIGNED, UNSIGNED, UNKNOWN_KEY or FORGED."""
        if signature is None:
            return UNSIGNED
        secret = next((s for s in self.secrets if _key_id(s) == signature.key_id), None)
        if secret is None:
            return UNKNOWN_KEY
        mac = hmac.new(secret, signed_message(template_id, version, fingerprint, prefill), hashlib.sha256)
        # as bytes: compare_digest refuses str with non-ASCII characters (a hostile file's)
        given = signature.mac.encode("utf-8", "replace")
        return SIGNED if hmac.compare_digest(mac.hexdigest().encode(), given) else FORGED

    @classmethod
    def load(cls, path: str | Path) -> Keyring:
        """The keys of a key file; ValueError (naming the file) when it holds none or junk."""
        path = Path(path)
        lines = [line.strip() for line in path.read_text(encoding="ascii", errors="replace").splitlines()]
        lines = [line for line in lines if line and not line.startswith("#")]
        if not lines or not all(_SECRET.match(line) for line in lines):
            raise ValueError(f"{path}: 不是 jixiao 密钥文件（每行 64 位十六进制）(not a jixiao key file)")
        return cls(tuple(bytes.fromhex(line) for line in lines))

    @classmethod
    def load_or_create(cls, path: str | Path) -> Keyring:
        """The keys of ``path``, creating it (a new secret, mode 0600) when it does not exist."""
        path = Path(path)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write("# jixiao bureau key: keep it secret; a new line on top rotates it\n")
                f.write(secrets.token_hex(32) + "\n")
        return cls.load(path)


def user_key_path() -> Path:
    """``$JIXIAO_KEY``, else ``bureau.key`` in the user's jixiao config folder."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "jixiao" / "bureau.key"


def archive_key_path(db: str | None) -> Path:
    """Where the portal keeps its key: ``$JIXIAO_KEY``, else beside a SQLite archive
    (``jixiao.sqlite`` -> ``jixiao.sqlite.key``), else the user's key. ``db`` is a URL or,
    as ``--db`` takes it, a plain path of an SQLite file: ``jixiao serve`` and the portal
    commands given the same ``--db`` find the same key."""
    from .archive.database import archive_url  # the archive imports this module

    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    url = archive_url(db) if db else None
    if url and url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///") + ".key")
    return user_key_path()


def existing_keys(path: Path) -> Keyring | None:
    """The keys of ``path`` when it exists (checking never creates a key)."""
    return Keyring.load(path) if path.exists() else None
