"""Encode frames as a looping, silent H.264 MP4 (what Telegram shows as an animation), via PyAV.

PyAV's wheels carry FFmpeg with libx264, so nothing comes from the system. One encoder thread
and FFmpeg's bitexact flags make the same frames give the same bytes, so the file's hash is a
fair test of a deterministic render.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import av
from PIL import Image


def write_mp4(images: Iterable[Image.Image], path: Path, fps: int, *, crf: int = 30) -> None:
    """Write the pictures to path as an MP4 (atomically: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(suffix=".mp4", dir=path.parent)
    os.close(handle)
    try:
        # faststart moves the index to the front, so a phone starts playing before the end.
        with av.open(
            temp,
            mode="w",
            format="mp4",
            options={"movflags": "+faststart"},
            container_options={"fflags": "+bitexact"},
        ) as container:
            stream = container.add_stream(
                "libx264",
                rate=fps,
                options={"crf": str(crf), "preset": "medium", "x264-params": "threads=1"},
            )
            stream.pix_fmt = "yuv420p"
            stream.codec_context.thread_count = 1
            stream.codec_context.flags |= av.codec.context.Flags.bitexact
            first = True
            for image in images:
                if first:
                    stream.width, stream.height = image.size
                    first = False
                frame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
