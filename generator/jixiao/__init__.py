"""jixiao (绩效): budget performance self-evaluation forms for Chinese finance bureaus.

Data flows one way:

    YAML template -> validated model (model.py) -> layout (layout.py) -> xlsx (write/)
    xlsx return   -> package reader (xlsxpkg.py) -> record (record.py) -> checks -> findings

The layout is shared by the writer and the reader, so neither guesses the other's cells.
"""

__version__ = "0.1.0"
