#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Attribute sparse's output (make C=2) to our C files.

usage: sparse_check.py TREE LOG FILE...

TREE is the patched source tree the objects were built from, LOG sparse's
output, FILE our C files relative to the repository.  A file fails when
sparse reports anything in it.  mm/memory_insert_page.c is spliced into
mm/memory.c by apply.py, so it owns the lines of memory.c that hold its
text, and upstream's own reports about the rest of memory.c are not ours.
Prints one FAIL line per failing file and "RESULT sparse PASSED FAILED".
"""
import os
import sys

SPLICED = {'mm/memory_insert_page.c': 'mm/memory.c'}


def spliced_lines(tree, ours, host):
    """Line range [first, last] of host that holds the text of ours."""
    with open(ours) as f:
        body = f.read().split('\n', 1)[1]	# apply.py drops the SPDX line
    with open(os.path.join(tree, host)) as f:
        text = f.read()
    at = text.find(body)
    if at < 0:
        sys.exit(f'sparse_check: {ours} not found in {host}')
    first = text.count('\n', 0, at) + 1
    return first, first + body.count('\n') - 1


def main():
    tree, log, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    repo = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    with open(log) as f:
        reports = [l.rstrip('\n') for l in f]
    passed = failed = 0
    for name in files:
        host = SPLICED.get(name, name)
        prefix = os.path.join(tree, host) + ':'
        span = None
        if name in SPLICED:
            span = spliced_lines(tree, os.path.join(repo, name), host)
        mine = []
        for r in reports:
            if not r.startswith(prefix):
                continue
            # "FILE: note: in included file": the report that follows
            # is about the header's line, not one of ours.
            field = r[len(prefix):].split(':', 1)[0]
            if not field.isdigit():
                continue
            line = int(field)
            if span is None or span[0] <= line <= span[1]:
                mine.append(r)
        if mine:
            failed += 1
            print(f'  FAIL  sparse {name}')
            for r in mine[:5]:
                print('  | ' + r)
        else:
            passed += 1
    print(f'RESULT sparse {passed} {failed}')


if __name__ == '__main__':
    main()
