"""Findings of a walk through the console as a new user, each kept as a kind: every template's
images come from our own address, and the picture cache survives two requests at once."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import hive.console
from hive.catalog.pool import images

TEMPLATES = Path(hive.console.__file__).parent / "templates"
IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]*)\"")


def test_every_template_image_is_served_from_our_own_address() -> None:
    """A product's stored image is a supplier's address or, like JD, a path relative to its image
    host: rendered as it is, it leaks the supplier and breaks (a relative path resolves against
    the page). Pictures go through /images/products/<id>; the console's own files through
    /static/."""
    found = {}
    for template in sorted(TEMPLATES.glob("*.html")):
        for src in IMG_SRC.findall(template.read_text(encoding="utf-8")):
            found[f"{template.name}: {src}"] = src.startswith(("/images/", "/static/"))
    assert found, "the pattern finds the templates' images"
    assert [where for where, ours in found.items() if not ours] == []


def test_the_picture_cache_takes_two_writers_of_the_same_picture_at_once(tmp_path: Path) -> None:
    path = tmp_path / "ab" / "abcdef"
    picture = images.Picture(b"<svg/>", "image/svg+xml")
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def write() -> None:
        start.wait()
        for _ in range(25):
            try:
                images._write(path, picture)
            except BaseException as error:  # collected for the assertion
                failures.append(error)

    writers = [threading.Thread(target=write) for _ in range(8)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert failures == []
    assert images._read(path) == picture
    assert [p.name for p in path.parent.iterdir()] == ["abcdef"], "no partial file is left"
