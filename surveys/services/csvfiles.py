"""Reading uploaded CSV files the way spreadsheets write them."""

import csv
import io
from dataclasses import dataclass

from ..errors import ImportRejected, RowError

# Spreadsheets on Windows save "CSV" in their ANSI code page; UTF-8 (with or without the BOM
# Excel adds) is tried first, then Windows-1252, which covers Western European names.
ENCODINGS = ("utf-8-sig", "cp1252")
MAX_CSV_BYTES = 50 * 1024 * 1024


def text_problem(value: str) -> str | None:
    """Why a database cannot store this text (PostgreSQL refuses NUL, and UTF-8 has no lone
    surrogates, which JSON can still spell), or None when it can."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode text"
    return None


@dataclass
class CsvTable:
    header: list[str]  # normalised: stripped, lower-case
    rows: list[tuple[int, dict[str, str]]]  # (line number, cells by header)
    encoding: str


def decode(content: bytes | str) -> tuple[str, str]:
    if isinstance(content, str):
        text = content.lstrip("\ufeff")
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # lone surrogates, which no database can store
            raise ImportRejected([RowError(0, "", "the text is not valid Unicode")]) from None
    else:
        size = len(content)
    if size > MAX_CSV_BYTES:
        raise ImportRejected(
            [RowError(0, "", f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")]
        )
    # Anywhere in the file, not only near its start: PostgreSQL cannot store a NUL character.
    if (b"\x00" if isinstance(content, bytes) else "\x00") in content:
        raise ImportRejected([RowError(0, "", "this is not a CSV text file")])
    if isinstance(content, str):
        return text, "utf-8"
    for encoding in ENCODINGS:
        try:
            return content.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportRejected(
        [RowError(0, "", "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8")]
    )


def read_csv(content: bytes | str, *, required: tuple[str, ...]) -> CsvTable:
    text, encoding = decode(content)
    # The delimiter is the one the header line uses (column names hold none). csv.Sniffer
    # also guessed the quote character from the rows: a cell like 'Pat' lost its quotes.
    header_line = text.partition("\n")[0].partition("\r")[0]
    delimiter = max(",;\t", key=header_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    try:
        header_cells = next(reader)
    except StopIteration:
        raise ImportRejected([RowError(0, "", "the file is empty")]) from None
    except csv.Error as exc:
        raise ImportRejected([RowError(1, "", f"unreadable CSV: {exc}")]) from None
    header = [cell.strip().lower() for cell in header_cells]
    errors = []
    for column in required:
        if column not in header:
            errors.append(RowError(1, column, "required column is missing"))
    seen: set[str] = set()
    for column in header:
        if column in seen:
            errors.append(RowError(1, column, "column appears twice"))
        seen.add(column)
    if "" in header:
        errors.append(RowError(1, "", "a column has no name"))
    if errors:
        raise ImportRejected(errors)
    rows = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                errors.append(
                    RowError(line, "", f"{len(cells)} cells but the header has {len(header)}")
                )
                continue
            padded = cells + [""] * (len(header) - len(cells))
            rows.append((line, {h: c.strip() for h, c in zip(header, padded, strict=True)}))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, "", f"unreadable CSV: {exc}"))
    if errors:
        raise ImportRejected(errors)
    if not rows:
        raise ImportRejected([RowError(0, "", "the file has a header but no rows")])
    return CsvTable(header=header, rows=rows, encoding=encoding)
