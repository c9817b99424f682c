"""A --protocol=length worker for the loky suite.

Reads items framed as "<decimal byte count>\n" + the bytes, and answers
each with the same framing: the count, then the item's bytes reversed.
Block-buffered on purpose (no flush per answer): run it with
PYTHONUNBUFFERED unset, so it only writes when its buffer fills or at end
of input.
"""
import sys

inp = sys.stdin.buffer
out = sys.stdout.buffer
while True:
    header = inp.readline()
    if not header:
        break
    n = int(header)
    data = inp.read(n)
    if len(data) != n:
        sys.exit("reverse-length.py: short item: %d of %d bytes" % (len(data), n))
    out.write(b"%d\n" % n)
    out.write(data[::-1])
