"""The ``jixiao`` command line: each command parses its options, calls one documented API
function, and prints. One module per job:

* :mod:`jixiao.cli.forms`: ``lint``, ``build``, ``init-data`` (forms to send);
* :mod:`jixiao.cli.returns`: ``read``, ``verify``, ``collect`` (returns as files);
* :mod:`jixiao.cli.archive`: ``status``, ``export``, ``summary``, ``void``, ``confirm``;
* :mod:`jixiao.cli.portal`: ``serve`` and ``task ...``; :mod:`jixiao.cli.links`: ``links ...``;
  :mod:`jixiao.cli.review`: ``review ...`` and ``audit`` — the console's actions over the
  portal's own functions (docs/cli.md: console action → command → API route);
  :mod:`jixiao.cli.account`: ``account create``.

Every command that reads templates takes ``--templates DIR`` (before or after the command
name; also ``$JIXIAO_TEMPLATES``), passed down as a :class:`TemplateSearchPath`. Every
command speaks Chinese, English with ``--lang en`` (before or after the command name) or
``LANG=en_*``: its help pages (:mod:`jixiao.clihelp`) and what it prints come from
:mod:`jixiao.codes.cli`; how results are printed is in :mod:`jixiao.cliviews`.
"""

from __future__ import annotations

# isort: off
# Each module registers its commands; the order of the imports is the order of the help page.
from . import forms, returns, archive, portal, links, review, account  # noqa: F401
# isort: on
from .app import INTERNAL, INTERNAL_EXIT, app, main, no_returns

__all__ = ["INTERNAL", "INTERNAL_EXIT", "app", "main", "no_returns"]
