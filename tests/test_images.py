"""Author images: read from inside the book only, with alt text, in formats readers show."""

from __future__ import annotations

import os

import markdown
import pytest

from herpress import images
from herpress.errors import BookError
from herpress.xhtml import parse_html

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


@pytest.fixture
def book(tmp_path):
    manuscript = tmp_path / "book" / "manuscript"
    (manuscript / "images").mkdir(parents=True)
    (manuscript / "images" / "dot.png").write_bytes(PNG)
    (manuscript / "images" / "box.svg").write_bytes(SVG)
    return tmp_path / "book"


def collect(book, source: str):
    container = parse_html(markdown.markdown(source))
    return images.collect(container, book.resolve(), book.resolve() / "manuscript", "manuscript/one.md", source)


def error_of(book, source: str) -> BookError:
    with pytest.raises(BookError) as caught:
        collect(book, source)
    return caught.value


def test_images_become_assets(book):
    assets = collect(book, "# T\n\n![A dot](images/dot.png) and ![A box](images/box.svg)\n")
    assert {name: a.media_type for name, a in assets.items()} == {"images/dot.png": "image/png",
                                                                  "images/box.svg": "image/svg+xml"}
    assert assets["images/dot.png"].data == PNG


@pytest.mark.parametrize("markup, words", [
    ("![](images/dot.png)", "no alt text"),
    ("![A dot](images/missing.png)", "not found"),
    ("![A dot](https://example.org/dot.png)", "never fetches"),
    ("![A dot](/etc/passwd)", "relative path"),
    ("![A dot](data:image/png;base64,AAAA)", "relative path"),
    ("![A dot](../../outside.png)", "outside the book folder"),
])
def test_refused(book, markup, words):
    (book.parent / "outside.png").write_bytes(PNG)
    error = error_of(book, f"# T\n\nText.\n\n{markup}\n")
    assert error.line == 5 and words in error.message


def test_decorative_image_may_have_empty_alt(book):
    assert collect(book, '# T\n\n<img src="images/dot.png" alt="" role="presentation"/>\n')


def test_symlink_out_of_the_book_is_refused(book):
    secret = book.parent / "secret.png"
    secret.write_bytes(PNG)
    os.symlink(secret, book / "manuscript" / "images" / "link.png")
    assert "outside the book folder" in error_of(book, "# T\n\n![x](images/link.png)\n").message


@pytest.mark.parametrize("svg, words", [
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>', "DOCTYPE"),
    (b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
     b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>', "DOCTYPE"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
     b'<image xlink:href="https://example.org/x.png"/></svg>', "refers to"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "<script>"),
    (b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>', "event attributes"),
    (b"<svg", "not well-formed"),
])
def test_unsafe_svg_is_refused(book, svg, words):
    (book / "manuscript" / "images" / "bad.svg").write_bytes(svg)
    assert words in error_of(book, "# T\n\n![x](images/bad.svg)\n").message


def test_unknown_format_is_refused(book):
    (book / "manuscript" / "images" / "x.bmp").write_bytes(b"BM" + b"\0" * 60)
    assert "not PNG, JPEG, GIF or SVG" in error_of(book, "# T\n\n![x](images/x.bmp)\n").message


def test_author_cover_must_be_a_jpeg_or_png_inside_the_book(book):
    (book / "manuscript" / "book.toml").write_text('cover = "images/dot.png"\n')
    asset = images.cover(book.resolve(), book.resolve() / "manuscript", "images/dot.png")
    assert (asset.media_type, asset.data) == ("image/png", PNG)
    with pytest.raises(BookError, match="JPEG or PNG") as caught:
        images.cover(book.resolve(), book.resolve() / "manuscript", "images/box.svg")
    assert str(caught.value.file) == "manuscript/book.toml"
    with pytest.raises(BookError, match="relative path"):
        images.cover(book.resolve(), book.resolve() / "manuscript", "https://example.org/cover.jpg")
