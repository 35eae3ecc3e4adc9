"""LibreOffice Calc driven as a real spreadsheet engine, for the tests, the bench and the docs.

Not part of the ``jixiao`` package (the wheel ships ``generator/jixiao`` only): a bureau
building and verifying forms never needs LibreOffice. ``pytest`` finds this package
through ``pythonpath`` in pyproject.toml, ``python -m bench`` through the working folder,
and the scripts in ``scripts/`` put the repository root on ``sys.path``.
"""
