"""``jixiao serve``: the bureau's console and each department's upload page in the browser.

The server is a thin layer: routes (pages.py, department.py, api.py) call the service
functions (service.py, returns.py, accounts.py), which call the same library functions as
the command line. See docs/deploy.md.
"""
