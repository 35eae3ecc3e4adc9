"""Pre-fill: the bureau's data tables, target parsing, amounts, init-data and batch builds."""
