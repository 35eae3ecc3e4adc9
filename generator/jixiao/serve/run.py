"""Starting the portal: ``jixiao serve`` calls :func:`run`.

On the first start (no account yet) the console shows a one-time setup link; a host
other than the loopback address gets a warning, since the portal then answers the network.
"""

from __future__ import annotations

import ipaddress
import signal

from rich.console import Console
from rich.markup import escape

from ..paths import TemplateSearchPath
from ..signing import Keyring, archive_key_path
from . import verifying
from .accounts import issue_setup_token, needs_setup
from .app import create_app
from .service import Portal

err = Console(stderr=True)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _exit_on_term(signum: int, frame: object) -> None:
    raise SystemExit(0)


def run(db: str | None, host: str, port: int, search: TemplateSearchPath | None = None) -> None:
    """Serve the portal on ``host:port`` until interrupted (Ctrl+C); templates are looked for
    along ``search`` (by default :meth:`TemplateSearchPath.for_reading`). The forms it
    builds are signed with the key beside the SQLite archive (or ``$JIXIAO_KEY``), made on
    the first start."""
    import uvicorn

    from ..archive import DEFAULT_URL

    key_path = archive_key_path(db or DEFAULT_URL)
    portal = Portal.open(db, search, Keyring.load_or_create(key_path))
    err.print(f"财政局密钥 bureau key: {escape(str(key_path))}")
    shown = f"http://{host if ':' not in host else f'[{host}]'}:{port}"
    if not _loopback(host):
        err.print(f"[yellow]警告：正在监听 {host}，同一网络中的其他电脑都能访问本系统。"
                  "请只在受信任的内网中这样做，并在前面加上 HTTPS 反向代理（见 docs/deploy.md）。[/]")
    if needs_setup(portal.store):
        token = issue_setup_token(portal.store)
        # soft_wrap: a link folded at the terminal width could not be copied
        err.print(f"首次使用：请在一小时内打开下面的一次性链接，建立财政局账户：\n  {shown}/setup/{token}", soft_wrap=True)
    err.print(f"jixiao 收表系统：{shown}  (Ctrl+C 停止)")
    # uvicorn stops on SIGTERM and then raises it again: with the default action the process
    # would end there, before the workers are stopped below; as SystemExit it gets there.
    signal.signal(signal.SIGTERM, _exit_on_term)
    try:
        verifying.start()
        uvicorn.run(create_app(portal), host=host, port=port, log_level="warning", server_header=False)
    finally:
        verifying.shutdown()
        portal.close()
