"""The one GitHub-flavoured Markdown table writer of the package.

Every Markdown table skimgclf writes (the report's sections, the per-class tables) goes through
:func:`markdown_table`, so that escaping, alignment and empty cells follow one rule.
"""

from __future__ import annotations

from .exceptions import InputError

__all__ = ["markdown_table", "escape"]


def escape(text) -> str:
    """Text of one table cell: ``str(text)`` with ``|`` escaped and newlines as spaces.

    A ``|`` would end the cell and a newline the row; both are kept out of the text.

    Parameters
    ----------
    text : object
        Anything with a ``str``.

    Returns
    -------
    str
        The cell text, safe inside a table row.

    See Also
    --------
    markdown_table : Escapes every cell with this function.

    Examples
    --------
    >>> escape("a|b\\nc")
    'a\\\\|b c'
    """
    return str(text).replace("|", "\\|").replace("\r\n", " ").replace("\n", " ")


def markdown_table(header, rows, *, align=None) -> str:
    """A Markdown table: a header row, an alignment row and one row per item of ``rows``.

    Cells are escaped with :func:`escape`; an empty cell is written as a single space.

    Parameters
    ----------
    header : sequence of str
        Column titles.
    rows : iterable of sequences
        One sequence of cells per row, as long as ``header``.
    align : str, default=None
        One letter per column, ``"l"`` (left) or ``"r"`` (right, for numbers). Default: the first
        column left, the others right.

    Returns
    -------
    str
        The table, one line per row, without a trailing newline.

    Raises
    ------
    ValueError
        When a row or ``align`` does not have one entry per column.

    See Also
    --------
    escape : How a cell's text is escaped.

    Examples
    --------
    >>> print(markdown_table(["class", "count"], [["cat", 3], ["dog|wolf", ""]]))
    | class | count |
    |---|---:|
    | cat | 3 |
    | dog\\|wolf | |
    """
    header = [str(h) for h in header]
    n = len(header)
    align = "l" + "r" * (n - 1) if align is None else align
    if len(align) != n or set(align) - {"l", "r"}:
        raise InputError(
            f"align={align!r} must give one of 'l' or 'r' per column ({n} columns)"
        )
    lines = [_row(header), "|" + "".join("---|" if a == "l" else "---:|" for a in align)]
    for i, row in enumerate(rows):
        cells = list(row)
        if len(cells) != n:
            raise InputError(
                f"row {i} has {len(cells)} cells but the table has {n} columns ({header})"
            )
        lines.append(_row(cells))
    return "\n".join(lines)


def _row(cells) -> str:
    text = [escape(c) for c in cells]
    return "|" + "|".join(f" {t} " if t else " " for t in text) + "|"
