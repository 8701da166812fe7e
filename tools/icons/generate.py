"""Draws the application icon (the favicon's motif: a head outline with a red focus) into assets/:
icons/<size>x<size>.png for Linux, icon.ico for Windows, icon.icns for macOS. Run with
/usr/bin/python3 tools/icons/generate.py; the outputs are committed."""
from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parents[2] / "assets"
SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024]


def draw(size: int) -> Image.Image:
    # Drawn at 4x and scaled down, for smooth edges.
    big = size * 4
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    margin = big * 0.06
    pen.rounded_rectangle([margin, margin, big - margin, big - margin], radius=big * 0.2, fill="#0f1216")
    ring = big * 0.16
    pen.ellipse([ring, ring, big - ring, big - ring], fill="#171b21", outline="#4ea1ff", width=max(1, round(big * 0.045)))
    cx, cy, r = big * 0.6, big * 0.42, big * 0.13
    pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill="#ff4d5e")
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    (ASSETS / "icons").mkdir(parents=True, exist_ok=True)
    for size in SIZES:
        draw(size).save(ASSETS / "icons" / f"{size}x{size}.png")
    largest = draw(1024)
    largest.save(ASSETS / "icon.ico", sizes=[(s, s) for s in [16, 24, 32, 48, 64, 128, 256]])
    largest.save(ASSETS / "icon.icns")
    largest.resize((512, 512), Image.LANCZOS).save(ASSETS / "icon.png")


if __name__ == "__main__":
    main()
