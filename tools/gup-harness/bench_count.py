#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tables of the counting mode of the GUP benchmark (bench.sh --count).

usage: bench_count.py --out DIR PRISTINE.console PRISTINE.win OURS.console OURS.win

Each console holds gup_bench -v's "GUPBENCH call CMD MEM NR REP" lines,
one per ioctl in call order; each .win file the windows tcg_count.c
recorded for the same ioctls, in the same order.  A window has the guest
kernel instruction, block and page-change counts at the four clock reads of the
handler (get start, get end, put start, put end); a window that did not
record exactly four (tcg_count.c counts only the handler's own clock
reads) is skipped.

Prints, per scenario and phase, the median instructions per page over the
timed repetitions (warm-up calls excluded) for both kernels and the floor
(pooled over both kernels, as its code is the same), their ratios, the
ratio of executed translation blocks (one per branch target reached: a
proxy for the cost TCG adds per jump) and the ratio of page changes
(blocks on another code page than the block before them, which TCG
cannot chain directly).  Writes DIR/count.csv and
DIR/count.txt.
"""
import argparse
import csv
import os
import statistics
import sys

PAGE = 4096
START_KINDS = {'floor': 1}      # start marker index: 0 gup_test, 1 gup_floor
CMDS = ['gup-fast', 'pin-fast', 'gup-slow', 'pin-slow', 'pin-longterm']
MEMS = ['4k', 'thp', 'hugetlb', 'shared']


def read_calls(console):
    """[(cmd, mem, nr, rep)] from the -v lines, and the matrix region size."""
    calls, size = [], None
    with open(console, encoding='utf-8', errors='replace') as f:
        for line in f:
            words = line.split()
            if words[:2] == ['GUPBENCH', 'call'] and len(words) == 6:
                calls.append((words[2], words[3], int(words[4]), int(words[5])))
            elif words[:3] == ['GUPBENCH', 'info', 'start']:
                for w in words[3:]:
                    if w.startswith('size='):
                        size = int(w[5:])
    return calls, size


def read_windows(path):
    """[(start, nsplit, [(insns, blocks, page changes)] at the splits)]."""
    wins = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0] != 'window':
                continue
            n = int(w[5])
            nums = [int(x) for x in w[6:6 + 3 * n]]
            wins.append((int(w[1]), n, list(zip(nums[::3], nums[1::3], nums[2::3]))))
    return wins


def phases(console, winfile):
    """{(cmd, mem, nr): {'get': [(insns, blocks, pages, page changes)], 'put': ...}}."""
    calls, size = read_calls(console)
    wins = read_windows(winfile)
    if len(calls) != len(wins):
        sys.exit(f'bench_count: {console} has {len(calls)} calls, {winfile} {len(wins)} windows')
    out = {}
    for (cmd, mem, nr, rep), (start, nsplit, splits) in zip(calls, wins):
        if start != START_KINDS.get(cmd, 0):
            sys.exit(f'bench_count: {cmd} call paired with a window of marker {start}')
        if rep == 0 or nsplit != 4:
            continue
        pages = nr // PAGE if mem == 'sweep' else size // PAGE
        d = out.setdefault((cmd, mem, nr), {'get': [], 'put': []})
        for phase, (a, b) in (('get', (0, 1)), ('put', (2, 3))):
            d[phase].append((splits[b][0] - splits[a][0], splits[b][1] - splits[a][1], pages,
                             splits[b][2] - splits[a][2]))
    return out


def per_page(samples, idx):
    """Median of field @idx per page, or None."""
    if not samples:
        return None
    return statistics.median(s[idx] / s[2] for s in samples)


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(x, spec):
    return format(x, spec) if x is not None else 'n/a'


def label(cmd, mem, nr):
    if mem == 'sweep':
        mib = nr >> 20
        return f'sweep {cmd} {mib // 1024} GiB' if mib >= 1024 else f'sweep {cmd} {mib} MiB'
    return f'{cmd} {mem} x{nr}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('files', nargs=4)
    args = ap.parse_args()
    pri = phases(args.files[0], args.files[1])
    ours = phases(args.files[2], args.files[3])

    keys = [(c, m, n) for n in (1, 512) for c in CMDS for m in MEMS]
    keys += sorted({k for k in list(pri) + list(ours) if k[1] == 'sweep'},
                   key=lambda k: (k[0], k[2]))
    rows = []
    for cmd, mem, nr in keys:
        for phase in ('get', 'put'):
            p = pri.get((cmd, mem, nr), {}).get(phase, [])
            o = ours.get((cmd, mem, nr), {}).get(phase, [])
            if not p and not o and mem == 'sweep':
                continue
            fl = [] if mem == 'sweep' else (pri.get(('floor', mem, nr), {}).get(phase, []) +
                                            ours.get(('floor', mem, nr), {}).get(phase, []))
            pi, oi, fi = per_page(p, 0), per_page(o, 0), per_page(fl, 0)
            rows.append({
                'scenario': label(cmd, mem, nr), 'phase': phase, 'cmd': cmd, 'mem': mem,
                'pages_per_call': nr, 'pages': (o or p)[0][2] if o or p else None,
                'pristine_insns': pi, 'ours_insns': oi, 'ours_over_pristine': ratio(oi, pi),
                'floor_insns': fi, 'ours_over_floor': ratio(oi, fi), 'pristine_over_floor': ratio(pi, fi),
                'pristine_blocks': per_page(p, 1), 'ours_blocks': per_page(o, 1),
                'ours_blocks_over_pristine': ratio(per_page(o, 1), per_page(p, 1)),
                'pristine_page_changes': per_page(p, 3), 'ours_page_changes': per_page(o, 3),
                'ours_page_changes_over_pristine': ratio(per_page(o, 3), per_page(p, 3)),
                'n_pristine': len(p), 'n_ours': len(o)})

    lines = ['Guest kernel instructions per page (median of the timed repetitions;',
             'floor = mm/gup_floor.c; blocks = TCG translation blocks executed;',
             'pages = blocks entered from another code page)',
             f'{"scenario":26} {"phase":5} {"pristine":>9} {"ours":>9} {"ours/pri":>8} '
             f'{"floor":>8} {"ours/fl":>7} {"pri/fl":>7} {"blocks o/p":>10} {"pages o/p":>9}',
             '-' * 108]
    for r in rows:
        lines.append(f'{r["scenario"]:26} {r["phase"]:5} {fmt(r["pristine_insns"], "9.1f")} '
                     f'{fmt(r["ours_insns"], "9.1f")} {fmt(r["ours_over_pristine"], "8.3f")} '
                     f'{fmt(r["floor_insns"], "8.1f")} {fmt(r["ours_over_floor"], "7.2f")} '
                     f'{fmt(r["pristine_over_floor"], "7.2f")} '
                     f'{fmt(r["ours_blocks_over_pristine"], "10.3f")} '
                     f'{fmt(r["ours_page_changes_over_pristine"], "9.3f")}')
    above = [f'{r["scenario"]} {r["phase"]} {r["ours_over_pristine"]:.3f}' for r in rows
             if r['ours_over_pristine'] is not None and r['ours_over_pristine'] > 1.0]
    missing = [f'{r["scenario"]} {r["phase"]}' for r in rows
               if r['ours_insns'] is None or r['pristine_insns'] is None]
    lines.append('')
    lines.append('ours above pristine: ' + (', '.join(above) or 'none'))
    if missing:
        lines.append('no clean window (every repetition had an extra clock read): ' + ', '.join(missing))
    text = '\n'.join(lines) + '\n'
    sys.stdout.write(text)
    with open(os.path.join(args.out, 'count.txt'), 'w') as f:
        f.write(text)
    with open(os.path.join(args.out, 'count.csv'), 'w', newline='') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: (f'{v:.4g}' if isinstance(v, float) else v) for k, v in r.items()})
    return 0


if __name__ == '__main__':
    sys.exit(main())
