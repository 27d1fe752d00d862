"""The book's barcode: the EAN-13 of its ISBN-13, with the EAN-5 price add-on, as vector bars.

The encoding is GS1's (General Specifications, EAN-13 and its 5-digit add-on; the ISBN as
"Bookland" EAN, ISO 2108): a 95-module symbol (guard 101, six digits of 7 modules in number sets
A or B as the first digit says, centre guard 01010, six digits in set C, guard 101) and a 47-module
add-on (guard 1011, five digits in sets A/B as their check value says, 01 between them).

Everything here is in modules (the width of the narrowest bar): :class:`Barcode` gives the bars as
one SVG of black rectangles and where each human-readable digit goes, as fractions of the symbol's
box; the cover template sets the module's size in inches and the type (``styles/cover.css``,
``cover/geometry.css.j2``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup

# number set A (odd parity, "L"); set C ("R") is its complement; set B ("G") is C reversed
SET_A = ("0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111",
         "0001011")
SET_C = tuple(code.translate(str.maketrans("01", "10")) for code in SET_A)
SET_B = tuple(code[::-1] for code in SET_C)
# the sets of the six left-hand digits, by the first digit (which is not drawn: it is this choice)
FIRST_DIGIT = ("AAAAAA", "AABABB", "AABBAB", "AABBBA", "ABAABB", "ABBAAB", "ABBBAA", "ABABAB", "ABABBA",
               "ABBABA")
# the sets of the add-on's five digits, by its check value
ADDON_SETS = ("BBAAA", "BABAA", "BAABA", "BAAAB", "ABBAA", "AABBA", "AAABB", "ABABA", "ABAAB", "AABAB")

QUIET_LEFT = 11  # modules of white before the symbol (the first digit is printed there)
QUIET_RIGHT = 7
ADDON_GAP = 9  # between the symbol and its add-on (GS1: 7 to 12)
ADDON_QUIET = 5
BARS = 56  # the height of the symbol's bars, in modules (nominal 69: shortened to fit the cover's 1.2 in area)
GUARD_DROP = 5  # the guard bars reach this much lower, between the digits
ADDON_TOP = 10  # the add-on's bars begin this far down, below its digits
DIGITS = 9  # the height of a row of digits

# EAN-5 price add-on: the first digit names the currency, the other four the price in cents
CURRENCY = {"GBP": "0", "AUD": "3", "NZD": "4", "USD": "5", "CAD": "6"}
NO_PRICE = "90000"


def isbn13(value: str) -> str:
    """The 13 digits of the ISBN ``value`` (written with or without hyphens or spaces; an ISBN-10
    becomes its 978- ISBN-13). ``ValueError`` says what is wrong with it."""
    digits = re.sub(r"[\s-]", "", value).upper()
    if not re.fullmatch(r"\d{13}|\d{9}[\dX]", digits):
        if re.search(r"[^\d\sX-]", value.upper()):
            raise ValueError("may hold only digits, hyphens and spaces (and X as an ISBN-10's last character)")
        raise ValueError(f"has {len(digits)} digits: an ISBN has 13 (978-…) or 10")
    if len(digits) == 10:
        expected = (11 - sum((10 - n) * int(d) for n, d in enumerate(digits[:9])) % 11) % 11
        check = "X" if expected == 10 else str(expected)
        if digits[9] != check:
            raise ValueError(f"fails its check digit (an ISBN-10 ending {digits[9]} should end {check} here): a digit "
                             "is mistyped; copy it as your ISBN agency issued it")
        return "978" + digits[:9] + ean_check(digits[:9], prefix="978")
    if not digits.startswith(("978", "979")):
        raise ValueError("is no ISBN-13: those begin with 978 or 979")
    if digits[12] != ean_check(digits[:12]):
        raise ValueError(f"fails its check digit (it ends {digits[12]}, the others make it {ean_check(digits[:12])}): "
                         "a digit is mistyped; copy it as your ISBN agency issued it")
    return digits


def ean_check(digits: str, prefix: str = "") -> str:
    """The EAN-13 check digit of the first twelve digits (``prefix`` + ``digits``)."""
    whole = prefix + digits
    return str(-sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(whole)) % 10)


def isbn_shown(value: str) -> str:
    """``ISBN 978-0-306-40615-7``: hyphenated as the author wrote it (an ISBN-10's groups after
    978-); without hyphens when it was written without them (the groups come from the ISBN
    agency's ranges, which herpress does not carry)."""
    digits = isbn13(value)
    groups = [g for g in re.split(r"[\s-]+", value.strip().upper()) if g]
    if len(groups) == 4 and len("".join(groups)) == 10 and len(groups[3]) == 1:  # an ISBN-10, hyphenated
        groups = ["978", *groups[:3], digits[12]]
    if len(groups) == 5 and "".join(groups) == digits and len(groups[0]) == 3 and len(groups[4]) == 1:
        return "ISBN " + "-".join(groups)
    return f"ISBN {digits}"


def price_code(price: str) -> str | None:
    """The EAN-5 add-on of ``[print] price``: ``"USD 14.99"`` → ``51499`` (also CAD, AUD, NZD, GBP),
    five digits as they are (``"90000"``: no suggested price), ``""`` → None (no add-on).
    ``ValueError`` says what is wrong with it."""
    text = price.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}", text):
        return text
    match = re.fullmatch(r"([A-Za-z]{3})\s*(\d+)(?:\.(\d{2}))?", text)
    if not match:
        raise ValueError("is neither a currency and an amount (\"USD 14.99\") nor the add-on's five digits (\"90000\")")
    currency, units, cents = match[1].upper(), int(match[2]), int(match[3] or 0)
    if currency not in CURRENCY:
        raise ValueError(f"is in {currency}: the barcode's price add-on has a digit only for "
                         f"{', '.join(sorted(CURRENCY))}; write \"90000\" (no price) for any other")
    amount = units * 100 + cents
    limit = 19999 if currency == "GBP" else 9999  # the add-on's digits after the currency's ("0"/"1" are both GBP)
    if amount > limit:
        raise ValueError(f"is above the {limit / 100:.2f} the add-on can hold; write its five digits yourself "
                         "(\"59999\": above 99.99 US dollars)")
    return f"{amount:05d}" if currency == "GBP" else CURRENCY[currency] + f"{amount:04d}"


def ean13_modules(digits: str) -> str:
    """The 95 modules of the EAN-13 symbol of ``digits`` (13 of them, check digit included): 1 a bar."""
    sets = FIRST_DIGIT[int(digits[0])]
    left = "".join((SET_A if s == "A" else SET_B)[int(d)] for s, d in zip(sets, digits[1:7]))
    right = "".join(SET_C[int(d)] for d in digits[7:13])
    return "101" + left + "01010" + right + "101"


def addon_check(digits: str) -> int:
    return (3 * sum(int(d) for d in digits[0::2]) + 9 * sum(int(d) for d in digits[1::2])) % 10


def ean5_modules(digits: str) -> str:
    """The 47 modules of the EAN-5 add-on of ``digits`` (five of them)."""
    sets = ADDON_SETS[addon_check(digits)]
    return "1011" + "01".join((SET_A if s == "A" else SET_B)[int(d)] for s, d in zip(sets, digits))


@dataclass(frozen=True)
class Label:
    """A human-readable row of digits: its box as percentages of the barcode's box."""

    text: str
    left: float
    top: float
    width: float
    height: float
    row: str  # "below" (the symbol's digits) or "above" (the add-on's)


@dataclass(frozen=True)
class Barcode:
    isbn: str  # the 13 digits
    shown: str  # "ISBN 978-…", printed above the bars
    addon: str | None  # the EAN-5 price add-on's digits

    @classmethod
    def of(cls, isbn: str, price: str = "") -> "Barcode":
        return cls(isbn13(isbn), isbn_shown(isbn), price_code(price))

    @property
    def main_width(self) -> int:
        """Modules from the box's left edge to the end of the EAN-13 symbol."""
        return QUIET_LEFT + 95

    @property
    def width(self) -> int:
        return self.main_width + (ADDON_GAP + 47 + ADDON_QUIET if self.addon else QUIET_RIGHT)

    @property
    def height(self) -> int:
        return BARS + GUARD_DROP + DIGITS - 4  # the digits overlap the guards' drop by 4

    def bars(self) -> list[tuple[int, int, int, int]]:
        """(x, width, top, bottom) of every bar, in modules."""
        found = []
        guards = {*range(0, 3), *range(45, 50), *range(92, 95)}
        for start, width in _runs(ean13_modules(self.isbn)):
            bottom = BARS + GUARD_DROP if start in guards else BARS
            found.append((QUIET_LEFT + start, width, 0, bottom))
        if self.addon:
            origin = self.main_width + ADDON_GAP
            found += [(origin + start, width, ADDON_TOP, BARS + GUARD_DROP)
                      for start, width in _runs(ean5_modules(self.addon))]
        return found

    @property
    def svg(self) -> Markup:
        """The bars, black on nothing, the SVG's box the barcode's (scaled by its width and height)."""
        rects = "".join(f'<rect x="{x}" y="{top}" width="{w}" height="{bottom - top}"/>'
                        for x, w, top, bottom in self.bars())
        return Markup(f'<svg xmlns="http://www.w3.org/2000/svg" class="ean-bars" viewBox="0 0 {self.width} '
                      f'{self.height}" preserveAspectRatio="none" shape-rendering="crispEdges">'
                      f'<g fill="#000">{rects}</g></svg>')

    @property
    def labels(self) -> list[Label]:
        """The digits under the symbol (the first in the quiet zone, then six under each half,
        between the guards) and the add-on's above its bars."""
        top = BARS + 1

        def label(text, start, end, y, row):
            return Label(text, 100 * start / self.width, 100 * y / self.height, 100 * (end - start) / self.width,
                         100 * DIGITS / self.height, row)

        found = [label(self.isbn[0], 2, QUIET_LEFT - 1, top, "below"),
                 label(self.isbn[1:7], QUIET_LEFT + 3, QUIET_LEFT + 45, top, "below"),
                 label(self.isbn[7:], QUIET_LEFT + 50, QUIET_LEFT + 92, top, "below")]
        if self.addon:
            start = self.main_width + ADDON_GAP
            found.append(label(self.addon, start, start + 47, 0, "above"))
        return found


def _runs(modules: str):
    """(start, width) of each run of 1s."""
    for match in re.finditer("1+", modules):
        yield match.start(), match.end() - match.start()
