"""yusuan (预算): published Chinese government budget documents → typed, validated records.

    >>> import yusuan
    >>> result = yusuan.extract_document("samples/000_b1fb1c67835c9330.txt")
    >>> result.budget_lines          # one pandas DataFrame per record kind
"""

__version__ = "0.3.0"

from .errors import UnreadableDocument  # noqa: E402
from .pipeline import Result, extract_document  # noqa: E402

__all__ = ["Result", "UnreadableDocument", "extract_document", "__version__"]
