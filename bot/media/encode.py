"""Encode frames as a looping, silent H.264 MP4 (what Telegram shows as an animation), via PyAV.

PyAV's wheels carry FFmpeg with libx264, so nothing comes from the system. One encoder thread,
x264's cpu-independent mode and FFmpeg's bitexact muxing make the same frames give the same
bytes, so the file's hash is a fair test of a deterministic render.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from fractions import Fraction
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
                # One thread, and x264's cpu-independent mode: the same frames give the same
                # bytes on any machine (without it, one frame in a few hundred renders came
                # out different from one process to the next).
                options={
                    "crf": str(crf),
                    "preset": "medium",
                    "x264-params": "threads=1:cpu-independent=1",
                },
            )
            stream.pix_fmt = "yuv420p"
            stream.codec_context.thread_count = 1
            first = True
            for index, image in enumerate(images):
                if first:
                    stream.width, stream.height = image.size
                    first = False
                # Converted here to the encoder's pixel format, with timestamps set, not guessed.
                rgb = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
                frame = rgb.reformat(format="yuv420p")
                frame.pts = index
                frame.time_base = Fraction(1, fps)
                for packet in stream.encode(frame):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        # Readable by the operator's other tools, like any file the bot writes.
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
