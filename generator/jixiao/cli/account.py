"""``jixiao account create``: the bureau's account made on the server itself, over the
portal's own :func:`jixiao.serve.accounts.create_account` (what the one-time setup link's
page does), for a bureau whose setup link has expired or who sets the portal up by script.

    jixiao account create --username NAME [--db]     accounts.create_account

The password is asked twice and never shown; it is not an option, so it stays out of the
shell's history. The portal has one account: a second is refused.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from ..codes import cli as C
from ..terminal import open_portal, session
from .app import Db, Lang, command, group, h

account = group("account")


@command("create", parent=account, prefix="account ")
def account_create(
    ctx: typer.Context,
    username: Annotated[str, typer.Option("--username", help=h("account create.username"))],
    db: Db = None,
    lang: Lang = None,
) -> None:
    """jixiao.serve.accounts.create_account."""
    from ..serve.accounts import MIN_PASSWORD, create_account

    s = session(ctx)
    suffix = ": " if s.lang == "en" else "："
    password = typer.prompt(s.t(C.PASSWORD_PROMPT, count=MIN_PASSWORD), hide_input=True, prompt_suffix=suffix)
    confirm = typer.prompt(s.t(C.PASSWORD_AGAIN), hide_input=True, prompt_suffix=suffix)
    with open_portal(s, db, existing=False) as p:
        create_account(p.store, username, password, confirm)
    s.out.print(escape(s.t(C.ACCOUNT_CREATED, user=username.strip())))
