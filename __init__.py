"""yusuan (预算): published Chinese government budget documents → typed, validated records.

    >>> import yusuan
    >>> result = yusuan.extract_document("samples/000_b1fb1c67835c9330.txt")
    >>> result.budget_lines          # one pandas DataFrame per record kind
"""

__version__ = "0.3.0"

from .errors import UnreadableDocument  # noqa: E402

__all__ = ["Result", "UnreadableDocument", "extract_document", "__version__"]


def __getattr__(name: str):
    # The pipeline (pandas, pyarrow, pdfplumber …) is imported on first use, so that
    # `import yusuan.cli` and `yusuan --help` stay quick.
    if name in ("Result", "extract_document"):
        from . import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "Result", "extract_document"})
