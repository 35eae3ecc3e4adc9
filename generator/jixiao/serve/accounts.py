"""The bureau's account: the one-time setup link, login with throttling, sessions.

There is no default password. While no account exists, :func:`issue_setup_token` makes
a one-time link (printed on the console by ``jixiao serve``) whose page creates the
account; the link dies when used or after an hour.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, delete, func, select, update

from .errors import PortalError
from .security import LoginThrottle, check_password, hash_password, new_token, token_hash
from .store import PortalStore, accounts, now, sessions, setup_tokens

SETUP_TTL = dt.timedelta(hours=1)
SESSION_TTL = dt.timedelta(hours=12)
MIN_PASSWORD = 10


def needs_setup(store: PortalStore) -> bool:
    """True while the bureau has no account yet."""
    return store.read(lambda c: c.execute(select(func.count()).select_from(accounts)).scalar_one()) == 0


def issue_setup_token(store: PortalStore) -> str:
    """A new one-time setup token (earlier unused ones stop working)."""
    token = new_token()
    with store.write() as conn:
        conn.execute(delete(setup_tokens))
        conn.execute(setup_tokens.insert().values(token_hash=token_hash(token), expires_at=now() + SETUP_TTL))
    return token


def setup_token_valid(store: PortalStore, token: str) -> bool:
    row = store.read(lambda c: c.execute(select(setup_tokens).where(
        setup_tokens.c.token_hash == token_hash(token))).first())
    return row is not None and row.used_at is None and row.expires_at > now()


def _checked(username: str, password: str, confirm: str) -> tuple[str, str]:
    """(the user name, the password's hash) of an acceptable new account; PortalError otherwise."""
    username = username.strip()
    if not username or len(username) > 64:
        raise PortalError(400, "请填写用户名（不超过 64 个字符）")
    if len(password) < MIN_PASSWORD:
        raise PortalError(400, f"密码至少 {MIN_PASSWORD} 个字符")
    if password != confirm:
        raise PortalError(400, "两次输入的密码不一致")
    return username, hash_password(password)


def _create(store: PortalStore, conn: Connection, username: str, hashed: str) -> None:
    """Insert the one account (409 when there is one already) and log it."""
    if conn.execute(select(func.count()).select_from(accounts)).scalar_one():
        raise PortalError(409, "账户已经建立")
    conn.execute(accounts.insert().values(username=username, password_hash=hashed, created_at=now()))
    store.log(conn, username, "建立账户")


def complete_setup(store: PortalStore, token: str, username: str, password: str, confirm: str) -> None:
    """Create the bureau's account through a valid setup token (which is then spent)."""
    username, hashed = _checked(username, password, confirm)
    with store.write() as conn:
        row = conn.execute(select(setup_tokens).where(setup_tokens.c.token_hash == token_hash(token))).first()
        if row is None or row.used_at is not None or row.expires_at <= now():
            raise PortalError(404, "设置链接无效或已使用、已过期")
        _create(store, conn, username, hashed)
        conn.execute(update(setup_tokens).where(setup_tokens.c.token_hash == row.token_hash).values(used_at=now()))


def create_account(store: PortalStore, username: str, password: str, confirm: str) -> None:
    """Create the bureau's account on the server itself (``jixiao account create``), as the
    setup link's page does; any setup link not yet used stops working."""
    username, hashed = _checked(username, password, confirm)
    with store.write() as conn:
        _create(store, conn, username, hashed)
        conn.execute(delete(setup_tokens))


def login(store: PortalStore, throttle: LoginThrottle, username: str, password: str, client: str) -> str:
    """A new session token for a right user name and password; PortalError otherwise.

    Failed attempts are counted per client address and per user name: after five in five
    minutes the login is refused (429) without looking at the password.
    """
    keys = (f"ip:{client}", f"user:{username.strip().casefold()}")
    if throttle.blocked(*keys):
        raise PortalError(429, "登录失败次数过多，请 5 分钟后再试")
    row = store.read(lambda c: c.execute(select(accounts).where(accounts.c.username == username.strip())).first())
    if row is None or not check_password(row.password_hash, password):
        throttle.failed(*keys)
        with store.write() as conn:
            store.log(conn, client, "登录失败", username=username.strip()[:64])
        raise PortalError(401, "用户名或密码不正确")
    throttle.succeeded(*keys)
    token = new_token()
    with store.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at <= now()))
        conn.execute(sessions.insert().values(token_hash=token_hash(token), account_id=row.id,
                                              expires_at=now() + SESSION_TTL))
        store.log(conn, row.username, "登录")
    return token


def session_user(store: PortalStore, token: str | None) -> str | None:
    """The user name of a live session token, else None."""
    if not token:
        return None
    row = store.read(lambda c: c.execute(
        select(accounts.c.username, sessions.c.expires_at).join(accounts, accounts.c.id == sessions.c.account_id)
        .where(sessions.c.token_hash == token_hash(token))).first())
    return row.username if row is not None and row.expires_at > now() else None


def logout(store: PortalStore, token: str | None) -> None:
    if token:
        with store.write() as conn:
            conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash(token)))
