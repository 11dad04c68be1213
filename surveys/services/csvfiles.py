"""Reading uploaded CSV files the way spreadsheets write them."""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from ..errors import ImportRejected, RowError

# Spreadsheets on Windows save "CSV" in their ANSI code page; UTF-8 (with or without the BOM
# Excel adds) is tried first, then Windows-1252, which covers Western European names.
ENCODINGS = ("utf-8-sig", "cp1252")
MAX_CSV_BYTES = 50 * 1024 * 1024
DECODE_PIECE = 1024 * 1024


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


def _decodes(content: bytes, encoding: str) -> bool:
    """Whether the bytes are text in this encoding, read in pieces so that no second copy of
    a large file is held as text."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(content)
    try:
        for start in range(0, len(content), DECODE_PIECE):
            decoder.decode(view[start : start + DECODE_PIECE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode(content: bytes | str, *, limit_size: bool = True) -> tuple[bytes | str, str]:
    """The content to read (text, or bytes known to decode) and its encoding."""
    if isinstance(content, str):
        text = content.lstrip("\ufeff")
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:  # lone surrogates, which no database can store
            raise ImportRejected([RowError(0, "", "the text is not valid Unicode")]) from None
    else:
        size = len(content)
    if limit_size and size > MAX_CSV_BYTES:
        raise ImportRejected(
            [RowError(0, "", f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")]
        )
    # Anywhere in the file, not only near its start: PostgreSQL cannot store a NUL character.
    if (b"\x00" if isinstance(content, bytes) else "\x00") in content:
        raise ImportRejected([RowError(0, "", "this is not a CSV text file")])
    if isinstance(content, str):
        return text, "utf-8"
    for encoding in ENCODINGS:
        if _decodes(content, encoding):
            return content, encoding
    raise ImportRejected(
        [RowError(0, "", "the file is neither UTF-8 nor Windows-1252 text; save it as CSV UTF-8")]
    )


class CsvRows:
    """A CSV file read row by row, as often as needed, without holding its rows.

    Opening checks the encoding and the header; each pass over `rows()` parses the file anew
    and, after its last row, raises what was wrong with the rows' shape (more cells than the
    header, unreadable CSV, no rows at all), so a caller's own row checks never hide it.

    Uploads are limited to MAX_CSV_BYTES, which web processes read whole; `limit_size=False`
    is for a file an operator imports from the server's own disk.
    """

    def __init__(
        self, content: bytes | str, *, required: tuple[str, ...], limit_size: bool = True
    ) -> None:
        self.content, self.encoding = decode(content, limit_size=limit_size)
        # The delimiter is the one the header line uses (column names hold none). csv.Sniffer
        # also guessed the quote character from the rows: a cell like 'Pat' lost its quotes.
        header_line = next(iter(self._lines()), "").partition("\n")[0].partition("\r")[0]
        self.delimiter = max(",;\t", key=header_line.count)
        reader = self._reader()
        try:
            header_cells = next(reader)
        except StopIteration:
            raise ImportRejected([RowError(0, "", "the file is empty")]) from None
        except csv.Error as exc:
            raise ImportRejected([RowError(1, "", f"unreadable CSV: {exc}")]) from None
        self.header = [cell.strip().lower() for cell in header_cells]
        errors = []
        for column in required:
            if column not in self.header:
                errors.append(RowError(1, column, "required column is missing"))
        seen: set[str] = set()
        for column in self.header:
            if column in seen:
                errors.append(RowError(1, column, "column appears twice"))
            seen.add(column)
        if "" in self.header:
            errors.append(RowError(1, "", "a column has no name"))
        if errors:
            raise ImportRejected(errors)

    def _lines(self) -> TextIO:
        if isinstance(self.content, str):
            return io.StringIO(self.content, newline="")
        # Decoded as it is read: a large file is never held a second time as text.
        return io.TextIOWrapper(io.BytesIO(self.content), encoding=self.encoding, newline="")

    def _reader(self):  # a csv reader, which counts the lines it read
        return csv.reader(self._lines(), delimiter=self.delimiter, skipinitialspace=True)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(line number, stripped cells in the header's order) for each row that is not blank."""
        reader = self._reader()
        next(reader)
        width = len(self.header)
        errors = []
        found = False
        try:
            for cells in reader:
                stripped = [cell.strip() for cell in cells]
                if not any(stripped):
                    continue
                if len(cells) > width:
                    errors.append(
                        RowError(
                            reader.line_num, "", f"{len(cells)} cells but the header has {width}"
                        )
                    )
                    continue
                found = True
                yield reader.line_num, stripped + [""] * (width - len(cells))
        except csv.Error as exc:
            errors.append(RowError(reader.line_num, "", f"unreadable CSV: {exc}"))
        if errors:
            raise ImportRejected(errors)
        if not found:
            raise ImportRejected([RowError(0, "", "the file has a header but no rows")])


def read_csv(content: bytes | str, *, required: tuple[str, ...]) -> CsvTable:
    """The whole table at once, for files of a size that fits in memory many times over."""
    source = CsvRows(content, required=required)
    header = source.header
    rows = [(line, dict(zip(header, cells, strict=True))) for line, cells in source.rows()]
    return CsvTable(header=header, rows=rows, encoding=source.encoding)
