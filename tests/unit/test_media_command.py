"""`mobility-coach media`: every exercise, version and side rendered into a folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from bot.__main__ import main
from bot.media.catalog import MediaCatalog
from content import library


def test_the_media_command_fills_a_folder_and_draws_the_sheet(
    rendered_media: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run on the suite's filled cache: nothing to render, every file there, the sheet drawn."""
    sheet = tmp_path / "exercises.png"
    code = main(
        ["media", str(rendered_media), "--sheet", str(sheet), "--workers", "1", "--language", "en"]
    )
    assert code == 0
    out = capsys.readouterr().out
    catalog = MediaCatalog(library(), rendered_media)
    pictures = catalog.pictures()
    # 7 exercises x 3 versions, both sides where the dose is per side, and a sheet per routine.
    assert len(pictures) == 42
    assert f"0 rendered, {len(pictures)} already there, in {rendered_media}" in out
    assert all(catalog.file(p).path.exists() for p in pictures)
    with Image.open(sheet) as image:
        assert image.size[0] == 3 * 320  # easier, standard, harder side by side
    assert main(["media", str(rendered_media), "--language", "xx"]) == 2
    assert "unknown language(s): xx" in capsys.readouterr().out
