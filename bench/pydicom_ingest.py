"""The peer of bench/ingest.bench.ts: pydicom reads the same files and converts them to HU
(pixel_array + modality LUT), best of three passes. Prints one JSON line.

Usage: /usr/bin/python3 bench/pydicom_ingest.py FILE_LIST   (one path per line)
"""
import json
import sys
import time

import pydicom
from pydicom.pixel_data_handlers import gdcm_handler
from pydicom.pixel_data_handlers.util import apply_modality_lut


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as listing:
        files = [line.strip() for line in listing if line.strip()]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for path in files:
            ds = pydicom.dcmread(path)
            apply_modality_lut(ds.pixel_array, ds)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({
        "files": len(files),
        "seconds": round(best, 3),
        "slicesPerSecond": round(len(files) / best, 3),
        "pydicom": pydicom.__version__,
        "gdcm": gdcm_handler.is_available(),
    }))


if __name__ == "__main__":
    main()
