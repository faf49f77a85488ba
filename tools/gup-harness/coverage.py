#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Line and branch coverage of our kernel files from a coverage guest.

usage: coverage.py --console LOG --objdir OUT --tree TREE --repo REPO --out DIR
                   FILE=OBJECT...

The guest's last test (gcov_dump.c) prints each .gcda file of the kernel
on the console.  This writes them back beside their objects in OUT (the
gcov tree mirrors the object tree's absolute path), runs gcov on the
OBJECTS and, for each FILE of ours (relative to REPO), writes DIR/FILE.cov:
the file's lines, each after its execution count, "#####" for a line that
never ran, "-" for one without code, and ">" before a branch that was
never taken.  The summary (DIR/summary.txt, also printed) gives lines,
functions and branches covered per file.  mm/memory_insert_page.c is
spliced into memory.c by apply.py, so its lines are read off memory.o's
counts at the place the splice put them.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile

class CoverageError(Exception):
    pass


def read_dumps(console):
    """{path in the guest: bytes} of every complete GCOV-FILE block."""
    files, cur, data = {}, None, []
    with open(console, encoding='utf-8', errors='replace') as f:
        for line in f:
            line = line.rstrip('\r\n')
            if line.startswith('GCOV-FILE '):
                cur, data = line.split(' ', 1)[1], []
            elif line.startswith('GCOV-DATA ') and cur:
                data.append(bytes.fromhex(line.split(' ', 1)[1]))
            elif line.startswith('GCOV-END ') and cur:
                path, size = line.split(' ')[1:3]
                blob = b''.join(data)
                if path != cur or len(blob) != int(size):
                    raise CoverageError(f'{path}: {len(blob)} bytes on the console, '
                                        f'{size} sent')
                files[path], cur = blob, None
    return files


def store(dumps, objdir):
    """Write each dump to its place under OBJDIR; return the count written."""
    root = os.path.abspath(objdir) + '/'
    n = 0
    for path, blob in dumps.items():
        if not path.startswith(root):
            continue
        with open(path, 'wb') as f:
            f.write(blob)
        n += 1
    return n


def gcov_json(objdir, obj):
    """gcov's JSON record of OBJ (relative to OBJDIR)."""
    with tempfile.TemporaryDirectory() as tmp:
        # gcov runs in TMP, where it writes its output: an absolute -o
        objpath = os.path.abspath(os.path.join(objdir, obj))
        run = subprocess.run(['gcov', '-b', '-j', '-o', objpath,
                              os.path.splitext(os.path.basename(obj))[0] + '.c'],
                             cwd=tmp, capture_output=True, text=True)
        found = [n for n in os.listdir(tmp) if n.endswith('.gcov.json.gz')]
        if run.returncode or not found:
            raise CoverageError(f'gcov on {obj} failed: {run.stderr.strip()[:200]}')
        with gzip.open(os.path.join(tmp, found[0]), 'rt') as f:
            return json.load(f)


def source_record(record, name):
    """The file entry of gcov's RECORD whose path ends with NAME."""
    for entry in record['files']:
        if entry['file'] == name or entry['file'].endswith('/' + name):
            return entry
    raise CoverageError(f'gcov has no record of {name}')


def splice_offset(tree, repo):
    """Line of memory.c just before the first line of memory_insert_page.c."""
    ours = open(os.path.join(repo, 'mm/memory_insert_page.c'), encoding='utf-8').read()
    # apply.py drops the SPDX line when it splices
    lines = ours.splitlines(keepends=True)
    dropped = 1 if lines and 'SPDX-License-Identifier' in lines[0] else 0
    body = ''.join(lines[dropped:])
    text = open(os.path.join(tree, 'mm/memory.c'), encoding='utf-8').read()
    at = text.find(body)
    if at < 0:
        raise CoverageError('mm/memory.c does not hold mm/memory_insert_page.c')
    return text[:at].count('\n') - dropped


def annotate(repo, name, entry, offset):
    """(listing, counts) of our file NAME from gcov's ENTRY."""
    src = open(os.path.join(repo, name), encoding='utf-8').read().splitlines()
    lines = {}
    for ln in entry['lines']:
        ours = ln['line_number'] - offset
        if not 1 <= ours <= len(src):
            continue
        # a line can come once per function instance it has code in
        have = lines.setdefault(ours, {'count': 0, 'branches': []})
        have['count'] += ln['count']
        have['branches'].extend(ln['branches'])
    fns = [fn for fn in entry['functions']
           if 1 <= fn['start_line'] - offset <= len(src)]
    out, br_all, br_hit = [], 0, 0
    for i, text in enumerate(src, 1):
        ln = lines.get(i)
        if ln is None:
            tag = '-'
        elif ln['count'] == 0:
            tag = '#####'
        else:
            tag = str(ln['count'])
        branches = ln['branches'] if ln else []
        missed = sum(1 for b in branches if b['count'] == 0 and not b['throw'])
        br_all += sum(1 for b in branches if not b['throw'])
        br_hit += sum(1 for b in branches if b['count'] > 0 and not b['throw'])
        out.append(f'{">" if missed else " "}{tag:>9}:{i:5}:{text}')
    counts = {
        'lines': (sum(1 for ln in lines.values() if ln['count'] > 0), len(lines)),
        'functions': (sum(1 for fn in fns if fn['execution_count'] > 0), len(fns)),
        'branches': (br_hit, br_all),
    }
    return '\n'.join(out) + '\n', counts


def pct(hit, total):
    return f'{hit}/{total} ({100.0 * hit / total:.1f}%)' if total else '0/0'


def main():
    ap = argparse.ArgumentParser()
    for opt in ('--console', '--objdir', '--tree', '--repo', '--out'):
        ap.add_argument(opt, required=True)
    ap.add_argument('files', nargs='+', metavar='FILE=OBJECT')
    args = ap.parse_args()
    try:
        dumps = read_dumps(args.console)
        if not store(dumps, args.objdir):
            raise CoverageError(f'no .gcda file of {args.objdir} on the console')
        os.makedirs(args.out, exist_ok=True)
        summary = []
        for pair in args.files:
            name, obj = pair.split('=', 1)
            # a file spliced into another one's object (see apply.py)
            spliced = os.path.splitext(obj)[0] + '.c'
            offset = 0 if spliced == name else splice_offset(args.tree, args.repo)
            entry = source_record(gcov_json(args.objdir, obj), spliced)
            listing, counts = annotate(args.repo, name, entry, offset)
            path = os.path.join(args.out, name.replace('/', '_') + '.cov')
            with open(path, 'w', encoding='utf-8') as f:
                f.write(listing)
            summary.append(f'{name:26} lines {pct(*counts["lines"]):20} '
                           f'functions {pct(*counts["functions"]):18} '
                           f'branches {pct(*counts["branches"])}')
    except (CoverageError, OSError, ValueError, KeyError) as e:
        print(f'coverage: {e}', file=sys.stderr)
        return 1
    with open(os.path.join(args.out, 'summary.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(summary) + '\n')
    print('\n'.join(summary))
    return 0


if __name__ == '__main__':
    sys.exit(main())
