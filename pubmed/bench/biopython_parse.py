#!/usr/bin/python3
"""Time Biopython's Entrez.parse over a PubMed XML file, the baseline that
villi's pubmed decoder is measured against (parsing must be >= 10x faster).

Usage: /usr/bin/python3 biopython_parse.py FILE [N]

FILE may be .xml or .xml.gz. The file is read into memory once, then parsed N
times (default 5) with validate=False; prints records/s and MB/s of the best
run, plus a machine-readable line: "biopython records_per_sec=... mb_per_sec=...".
Needs Debian's python3-biopython.
"""
import gzip
import io
import sys
import time

from Bio import Entrez


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    n = int(argv[2]) if len(argv) > 2 else 5
    with open(path, "rb") as f:
        raw = f.read()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw

    best = None
    records = 0
    for _ in range(n):
        start = time.perf_counter()
        count = 0
        for _rec in Entrez.parse(io.BytesIO(data), validate=False):
            count += 1
        elapsed = time.perf_counter() - start
        records = count
        if best is None or elapsed < best:
            best = elapsed

    rps = records / best
    mbps = len(data) / best / 1e6
    print(f"{path}: {records} records, {len(data)} bytes, best of {n}: "
          f"{best * 1000:.1f} ms, {rps:.0f} records/s, {mbps:.2f} MB/s")
    print(f"biopython records_per_sec={rps:.1f} mb_per_sec={mbps:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
