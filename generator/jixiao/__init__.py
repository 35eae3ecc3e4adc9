"""jixiao (绩效): budget performance self-evaluation forms for Chinese finance bureaus.

Data flows one way:

    YAML template -> validated model (template/) -> layout (layout/) -> xlsx (write/)
    xlsx return   -> package reader (read/) -> record (read/record.py) -> checks (verify/) -> findings -> outputs/

The layout is shared by the writer and the reader, so neither guesses the other's cells.
"""

__version__ = "0.1.0"
