"""The /template page as data: the fortunes, and a parser that reduces HTML to its structure.

A page is compared as a list of events (declaration, start tag with attributes, end tag, text
with entities decoded), which is what "whitespace between tags is free" leaves to compare.
"""

from __future__ import annotations

from html.parser import HTMLParser

FORTUNES: tuple[tuple[int, str], ...] = (
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
)
ADDED = (0, "Additional fortune added at request time.")

Event = tuple[str, ...]


def sorted_fortunes() -> list[tuple[int, str]]:
    return sorted([*FORTUNES, ADDED], key=lambda fortune: fortune[1])


def expected_events(name: str) -> list[Event]:
    """The page the contract describes, greeting `name`, as parse events."""
    events: list[Event] = [("decl", "doctype html")]
    events += [("start", "html"), ("start", "head"), ("start", "title"), ("text", "Fortunes")]
    events += [("end", "title"), ("end", "head"), ("start", "body")]
    events += [("start", "h1"), ("text", f"Hello, {name}"), ("end", "h1"), ("start", "table")]
    events += _row("th", "id", "message")
    for id_, message in sorted_fortunes():
        events += _row("td", str(id_), message)
    events += [("end", "table"), ("end", "body"), ("end", "html")]
    return events


def _row(cell: str, *texts: str) -> list[Event]:
    events: list[Event] = [("start", "tr")]
    for text in texts:
        events += [("start", cell), ("text", text), ("end", cell)]
    return [*events, ("end", "tr")]


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []
        self._text: list[str] = []

    def _flush(self) -> None:
        text = "".join(self._text)
        self._text = []
        if text.strip():  # whitespace between tags is free; text inside a cell is exact
            self.events.append(("text", text))

    def handle_decl(self, decl: str) -> None:
        self._flush()
        self.events.append(("decl", " ".join(decl.lower().split())))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._flush()
        rendered = " ".join(f"{k}={v!r}" for k, v in attrs)
        self.events.append(("start", tag, rendered) if attrs else ("start", tag))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.events.append(("end", tag))

    def handle_endtag(self, tag: str) -> None:
        self._flush()
        self.events.append(("end", tag))

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_comment(self, data: str) -> None:
        self._flush()
        self.events.append(("comment", data))

    def close(self) -> None:
        super().close()
        self._flush()


def parse(page: str) -> list[Event]:
    parser = _Events()
    parser.feed(page)
    parser.close()
    return parser.events


def first_difference(got: list[Event], want: list[Event]) -> str | None:
    """Where two event lists part, in words; None when they are the same."""
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            return f"at element {index}: got {g!r}, expected {w!r}"
    if len(got) != len(want):
        extra = got[len(want)] if len(got) > len(want) else want[len(got)]
        return f"{len(got)} elements, expected {len(want)} (first unmatched: {extra!r})"
    return None
