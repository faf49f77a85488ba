#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's console logs into median tables and CSV files.

usage: bench.py --out DIR LOG...

Each LOG is the console of one boot, named KERNEL-ROUND.console with
KERNEL "pristine" or "ours"; its lines "GUPBENCH matrix ..." and
"GUPBENCH sweep ..." are printed by gup_bench (see its header comment).
Writes DIR/raw.csv (every sample), DIR/bench.csv (the matrix: medians per
scenario and phase), DIR/sweep.csv (the size sweep, ns per page), and
prints both tables and the scenarios where ours is slower than pristine.
Exits 1 if a log has a "GUPBENCH error" line or no "GUPBENCH info end".
"""
import argparse
import csv
import os
import re
import statistics
import sys

KERNELS = ('pristine', 'ours')
CMDS = ('gup-fast', 'pin-fast', 'gup-slow', 'pin-slow', 'pin-longterm', 'floor')
MEMS = ('4k', 'thp', 'hugetlb', 'shared')
# A ratio past this counts as "ours slower"; below it is within the noise
# of a TCG guest (the floor rows, identical code in both kernels, show it).
SLOWER = 1.05

LINE = re.compile(r'GUPBENCH (matrix|sweep) (\S+) (\S+) (\d+) (\d+) (\d+) (\d+) (\d+)')


def parse(logs):
    """Return (samples, problems); a sample is a dict of one call."""
    samples, problems = [], []
    for path in logs:
        m = re.match(r'(pristine|ours)-(\d+)\.console$', os.path.basename(path))
        if not m:
            problems.append(f'{path}: not named KERNEL-ROUND.console')
            continue
        kernel, rnd = m.group(1), int(m.group(2))
        text = open(path, encoding='utf-8', errors='replace').read()
        for err in re.findall(r'GUPBENCH error .*', text):
            problems.append(f'{os.path.basename(path)}: {err.strip()}')
        if 'GUPBENCH info end' not in text:
            problems.append(f'{os.path.basename(path)}: gup_bench did not finish')
        for g in LINE.finditer(text):
            kind, cmd, mem, arg, rep, get, put, pages = g.groups()
            samples.append({'kernel': kernel, 'round': rnd, 'kind': kind,
                            'cmd': cmd, 'mem': mem, 'arg': int(arg),
                            'rep': int(rep), 'get_us': int(get),
                            'put_us': int(put), 'pages': int(pages)})
    return samples, problems


def median(values):
    return statistics.median(values) if values else None


def fmt(x, spec='.0f'):
    return '-' if x is None else format(x, spec)


def ratio(a, b):
    return a / b if a is not None and b else None


def floor_of(samples):
    """The floor sample that ran next to each sample: same boot, scenario, rep."""
    return {(s['kernel'], s['round'], s['mem'], s['arg'], s['rep']): s
            for s in samples if s['kind'] == 'matrix' and s['cmd'] == 'floor'}


def over_floor(got, floors, kernel, key):
    """Median over the samples of @kernel of time / time of the floor beside it.

    gup_bench runs every command and the floor back to back within each
    repetition, so this ratio cancels how fast the host happened to run
    the guest at that moment (a shared 2-core host varies by tens of
    percent from boot to boot; see the floor rows of the raw medians).
    """
    vals = []
    for s in got:
        if s['kernel'] != kernel:
            continue
        fl = floors.get((kernel, s['round'], s['mem'], s['arg'], s['rep']))
        if fl and fl[key]:
            vals.append(s[key] / fl[key])
    return median(vals)


def above(rows, key, limit):
    """'scenario phase: ratio' of the non-floor rows whose @key exceeds @limit."""
    return [f'{r["scenario"]} {r["phase"]}: {r[key]:.2f}x' for r in rows
            if r['cmd'] != 'floor' and r[key] and r[key] > limit]


def matrix_rows(samples):
    groups = {}
    for s in samples:
        if s['kind'] == 'matrix':
            groups.setdefault((s['cmd'], s['mem'], s['arg']), []).append(s)
    floors = floor_of(samples)
    rows = []
    for cmd in CMDS:
        for mem in MEMS:
            for nr in sorted({k[2] for k in groups}):
                got = groups.get((cmd, mem, nr))
                if not got:
                    continue
                floor = groups.get(('floor', mem, nr), [])
                for phase in ('get', 'put'):
                    key = phase + '_us'
                    med = {k: median([s[key] for s in got if s['kernel'] == k])
                           for k in KERNELS}
                    n = {k: sum(s['kernel'] == k for s in got) for k in KERNELS}
                    fl = median([s[key] for s in floor])
                    norm = {k: over_floor(got, floors, k, key) for k in KERNELS}
                    pages = got[0]['pages']
                    rows.append({
                        'scenario': f'{cmd} {mem} x{nr}', 'phase': phase,
                        'cmd': cmd, 'mem': mem, 'pages_per_call': nr,
                        'pages': pages,
                        'pristine_us': med['pristine'], 'ours_us': med['ours'],
                        'ours_over_pristine': ratio(med['ours'], med['pristine']),
                        'floor_us': fl, 'ours_over_floor': norm['ours'],
                        'pristine_over_floor': norm['pristine'],
                        'ours_over_pristine_by_floor': ratio(norm['ours'],
                                                             norm['pristine']),
                        'ours_ns_per_page': (med['ours'] * 1000 / pages
                                             if med['ours'] is not None else None),
                        'n_pristine': n['pristine'], 'n_ours': n['ours'],
                    })
    return rows


def sweep_rows(samples):
    groups = {}
    for s in samples:
        if s['kind'] == 'sweep':
            groups.setdefault((s['cmd'], s['arg']), []).append(s)
    rows = []
    for (cmd, size) in sorted(groups, key=lambda k: (CMDS.index(k[0]), k[1])):
        got = groups[(cmd, size)]
        pages = got[0]['pages']
        row = {'cmd': cmd, 'mem': 'thp', 'bytes': size, 'pages': pages}
        for phase in ('get', 'put'):
            for k in KERNELS:
                med = median([s[phase + '_us'] for s in got if s['kernel'] == k])
                row[f'{k}_{phase}_ns_per_page'] = (med * 1000 / pages
                                                   if med is not None else None)
            row[f'{phase}_ours_over_pristine'] = ratio(row[f'ours_{phase}_ns_per_page'],
                                                       row[f'pristine_{phase}_ns_per_page'])
        row['n_pristine'] = sum(s['kernel'] == 'pristine' for s in got)
        row['n_ours'] = sum(s['kernel'] == 'ours' for s in got)
        rows.append(row)
    return rows


def num(v):
    """A CSV cell: floats without exponents, 4 significant digits or whole."""
    if not isinstance(v, float):
        return v
    return f'{v:.0f}' if abs(v) >= 1000 else f'{v:.4g}'


def write_csv(path, rows):
    if not rows:
        return
    with open(path, 'w', newline='', encoding='utf-8') as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        for r in rows:
            w.writerow({k: num(v) for k, v in r.items()})


def human(size):
    for unit, div in (('GiB', 1 << 30), ('MiB', 1 << 20)):
        if size >= div:
            return f'{size / div:g} {unit}'
    return f'{size} B'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', required=True)
    ap.add_argument('logs', nargs='+')
    args = ap.parse_args()
    samples, problems = parse(args.logs)
    os.makedirs(args.out, exist_ok=True)
    write_csv(os.path.join(args.out, 'raw.csv'), samples)
    mrows, srows = matrix_rows(samples), sweep_rows(samples)
    write_csv(os.path.join(args.out, 'bench.csv'), mrows)
    write_csv(os.path.join(args.out, 'sweep.csv'), srows)

    print('Matrix: median kernel-measured time of one pass over the region, in us.')
    print('floor: mm/gup_floor.c, pooled over both kernels (the floor rows compare the')
    print('identical floor code in the two kernels: their ours/pri is the host noise).')
    print('ours/fl, pri/fl: median of each sample over the floor run beside it in the')
    print('same boot and repetition; by-fl: ours/fl over pri/fl, the noise-free ratio.')
    hdr = (f'{"scenario":26} {"phase":5} {"pristine":>9} {"ours":>9} {"ours/pri":>8} '
           f'{"floor":>8} {"ours/fl":>7} {"pri/fl":>7} {"by-fl":>6} {"ns/page":>8}')
    print(hdr)
    print('-' * len(hdr))
    for r in mrows:
        print(f'{r["scenario"]:26} {r["phase"]:5} {fmt(r["pristine_us"]):>9} '
              f'{fmt(r["ours_us"]):>9} {fmt(r["ours_over_pristine"], ".2f"):>8} '
              f'{fmt(r["floor_us"]):>8} {fmt(r["ours_over_floor"], ".2f"):>7} '
              f'{fmt(r["pristine_over_floor"], ".2f"):>7} '
              f'{fmt(r["ours_over_pristine_by_floor"], ".2f"):>6} '
              f'{fmt(r["ours_ns_per_page"], ".0f"):>8}')
    if srows:
        print()
        print('Size sweep: PIN on THP, the whole size in one call, median ns per page')
        hdr = (f'{"cmd":9} {"size":>9} {"get pri":>8} {"get ours":>8} {"ratio":>6} '
               f'{"put pri":>8} {"put ours":>8} {"ratio":>6}')
        print(hdr)
        print('-' * len(hdr))
        for r in srows:
            print(f'{r["cmd"]:9} {human(r["bytes"]):>9} '
                  f'{fmt(r["pristine_get_ns_per_page"], ".1f"):>8} '
                  f'{fmt(r["ours_get_ns_per_page"], ".1f"):>8} '
                  f'{fmt(r["get_ours_over_pristine"], ".2f"):>6} '
                  f'{fmt(r["pristine_put_ns_per_page"], ".1f"):>8} '
                  f'{fmt(r["ours_put_ns_per_page"], ".1f"):>8} '
                  f'{fmt(r["put_ours_over_pristine"], ".2f"):>6}')
    slower = above(mrows, 'ours_over_pristine', SLOWER)
    by_floor = above(mrows, 'ours_over_pristine_by_floor', SLOWER)
    slower += [f'sweep {r["cmd"]} {human(r["bytes"])} {ph}: {r[ph + "_ours_over_pristine"]:.2f}x'
               for r in srows for ph in ('get', 'put')
               if r[ph + '_ours_over_pristine'] and r[ph + '_ours_over_pristine'] > SLOWER]
    print()
    print(f'ours slower than pristine by more than {SLOWER:.2f}x: '
          + (', '.join(slower) if slower else 'none'))
    print(f'the same by the floor-relative ratio (by-fl): '
          + (', '.join(by_floor) if by_floor else 'none'))
    print(f'ours above 1.5x the floor: {len(above(mrows, "ours_over_floor", 1.5))} of '
          f'{sum(r["cmd"] != "floor" for r in mrows)} rows')
    print(f'CSV: {os.path.join(args.out, "bench.csv")} '
          f'{os.path.join(args.out, "sweep.csv")} {os.path.join(args.out, "raw.csv")}')
    for p in problems:
        print(f'  PROBLEM {p}')
    if not samples:
        print('  PROBLEM no samples at all')
    return 1 if problems or not samples else 0


if __name__ == '__main__':
    sys.exit(main())
