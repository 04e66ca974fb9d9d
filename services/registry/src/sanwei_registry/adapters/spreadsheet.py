"""Turning an uploaded xlsx or csv file into rows of cells: the kit's safe reader (zip bombs, caps, formulas)."""

from __future__ import annotations

from sanwei_kit.spreadsheets import Formula, SheetLimits, formula_problem, rows_from_file

__all__ = ["Formula", "SheetLimits", "formula_problem", "rows_from_file"]
