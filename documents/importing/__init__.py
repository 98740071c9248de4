"""Import of the existing partner file (XLSX, ODS or CSV): preview, then one transaction.

reading.py reads the file's rows, specs.py says what each kind of file holds and
turns cells into field values, plan.py plans an import (nothing written) and
applies it (all or nothing, or the valid lines only), errors.py writes the refused
lines with their « Motif », template.py writes the workbook to fill, ods.py reads
LibreOffice's files.
"""
from .errors import write_errors
from .plan import ACTION_LABELS, ImportPlan, apply_import, plan_import
from .reading import MAX_IMPORT_BYTES, ImportFileError, read_table
from .specs import SPECS
from .template import write_template

__all__ = [
    "ACTION_LABELS", "MAX_IMPORT_BYTES", "SPECS", "ImportFileError", "ImportPlan",
    "apply_import", "plan_import", "read_table", "write_errors", "write_template",
]
