"""Reading the cells of a notebook loaded as JSON (a dict from ``json.load`` of an .ipynb)."""


def source_of(cell) -> str:
    """The cell's source as one string (nbformat allows a list of lines or a string)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def meta(cell) -> dict:
    """The cell's nbgrader metadata (grade_id, grade, solution, locked, points...); {} if none."""
    return (cell.get("metadata") or {}).get("nbgrader") or {}
