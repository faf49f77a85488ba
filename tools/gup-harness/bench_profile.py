#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where one scenario of the counting benchmark spends its instructions.

usage: bench_profile.py [--top N] CMD MEM NR [DIR]

CMD MEM NR name a scenario of the matrix as bench_count.py's table does
(e.g. "pin-longterm 4k 1"; NR is the pages per call).  DIR is the
counting run's directory (build/bench/count), which `make bench-count`
fills with, for each kernel (base = pristine, ours): KERNEL.console,
KERNEL.win, KERNEL.hits (tcg_count.c's hits= file: the blocks each window
ran in its get phase) and KERNEL.System.map.

Sums the get phase of the scenario's timed repetitions (the windows
bench_count.py uses) per function of each kernel's System.map, and prints
per page: instructions, blocks run, blocks entered from another code
page, and those entries as expected over all placements of the code
relative to page boundaries (from the plugin's REACH: a jump of d bytes
crosses a boundary with probability d / 4096), for both kernels side by
side, largest first, then the totals (which match bench_count.py's
table up to its median over repetitions).
"""
import argparse
import bisect
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_count  # noqa: E402


def read_map(path):
    """Sorted text symbol addresses and their names."""
    syms = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if len(w) == 3 and w[1] in 'tTwW':
                syms.append((int(w[0], 16), w[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def profile(base, key):
    """{function: [insns, blocks, entries, expected entries]} per page,
    and the windows used."""
    calls, size = bench_count.read_calls(base + '.console')
    wins = bench_count.read_windows(base + '.win')
    if len(calls) != len(wins):
        sys.exit(f'bench_profile: {base}: {len(calls)} calls, {len(wins)} windows')
    want = {i for i, (call, (_, nsplit, _)) in enumerate(zip(calls, wins))
            if call[:3] == key and call[3] > 0 and nsplit == 4}
    if not want:
        sys.exit(f'bench_profile: {base}: no clean window of {" ".join(map(str, key))}')
    addrs, names = read_map(base + '.System.map')
    sums = collections.defaultdict(lambda: [0, 0, 0, 0])
    with open(base + '.hits') as f:
        for line in f:
            w = line.split()
            if len(w) != 7 or w[0] != 'hits' or int(w[1]) not in want:
                continue
            va, insns, runs, entries = int(w[2], 16), int(w[3]), int(w[4]), int(w[5])
            reach = int(w[6])
            i = bisect.bisect_right(addrs, va) - 1
            s = sums[names[i] if i >= 0 else '?']
            s[0] += insns * runs
            s[1] += runs
            s[2] += entries
            s[3] += reach / 4096
    pages = len(want) * (key[2] // bench_count.PAGE if key[1] == 'sweep'
                         else size // bench_count.PAGE)
    return {k: [x / pages for x in v] for k, v in sums.items()}, len(want)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--top', type=int, default=40)
    ap.add_argument('cmd')
    ap.add_argument('mem')
    ap.add_argument('nr', type=int)
    ap.add_argument('dir', nargs='?', default='build/bench/count')
    a = ap.parse_args()
    key = (a.cmd, a.mem, a.nr)
    pri, npri = profile(os.path.join(a.dir, 'base'), key)
    ours, nours = profile(os.path.join(a.dir, 'ours'), key)
    zero = [0, 0, 0, 0]
    funcs = sorted(set(pri) | set(ours),
                   key=lambda f: -max(pri.get(f, zero)[0], ours.get(f, zero)[0]))
    print(f'{" ".join(map(str, key))}: get phase per page, {npri} pristine and {nours} ours windows')
    print(f'{"function":40} {"insns pri":>9} {"ours":>8} {"diff":>7} '
          f'{"blocks pri":>10} {"ours":>7} {"entries pri":>11} {"ours":>6} '
          f'{"expected pri":>12} {"ours":>6}')

    def line(name, p, o):
        print(f'{name[:40]:40} {p[0]:9.1f} {o[0]:8.1f} {o[0] - p[0]:+7.1f} '
              f'{p[1]:10.2f} {o[1]:7.2f} {p[2]:11.2f} {o[2]:6.2f} '
              f'{p[3]:12.2f} {o[3]:6.2f}')
    for f in funcs[:a.top]:
        line(f, pri.get(f, zero), ours.get(f, zero))
    line('total', [sum(v[i] for v in pri.values()) for i in range(4)],
         [sum(v[i] for v in ours.values()) for i in range(4)])
    return 0


if __name__ == '__main__':
    sys.exit(main())
