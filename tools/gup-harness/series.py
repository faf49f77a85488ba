#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the series as `git format-patch` patches and prove they apply.

usage: series.py --repo DIR --upstream DIR --out DIR

Patch k is the difference between applying patches 1..k-1 and 1..k of
patches.txt with apply.py, so the series and the harness's trees can never
disagree.  The proof: `git am` of the written patches onto a fresh checkout
of the pristine tree must succeed and end in exactly the series' tree.
"""
import argparse
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def git(cwd, *args, **kw):
    return subprocess.run(['git', '-c', 'user.name=GUP series',
                           '-c', 'user.email=gup-series@localhost', *args],
                          cwd=cwd, check=True, text=True,
                          stdout=subprocess.PIPE, **kw).stdout


def patch_list():
    """[(id, subject, body)] in order, from patches.txt."""
    out, cur = [], None
    for line in open(os.path.join(HERE, 'patches.txt'), encoding='utf-8'):
        if line.startswith('#'):
            continue
        if line.startswith('== '):
            cur = [line[3:].strip(), None, []]
            out.append(cur)
        elif cur is not None and cur[1] is None:
            cur[1] = line.strip()
        elif cur is not None:
            cur[2].append(line)
    return [(i, s, ''.join(b).strip() + '\n') for i, s, b in out]


def pristine_repo(upstream, work):
    """A git repository of the untouched upstream tree, made once."""
    stamp = os.path.join(work, '.gup-pristine-commit')
    if os.path.isfile(stamp):
        return open(stamp).read().strip()
    shutil.rmtree(work, ignore_errors=True)
    print('series: making a git repository of the pristine tree (once)')
    shutil.copytree(upstream, work, symlinks=True)
    git(work, 'init', '-q')
    git(work, 'add', '-A', '-f', '.')
    version = open(os.path.join(upstream, '.gup-unpacked')).read().strip()
    git(work, 'commit', '-q', '-m', f'Linux (Debian linux-source-6.1 {version})')
    head = git(work, 'rev-parse', 'HEAD').strip()
    open(stamp, 'w').write(head + '\n')
    return head


def main():
    ap = argparse.ArgumentParser()
    for opt in ('--repo', '--upstream', '--out'):
        ap.add_argument(opt, required=True)
    args = ap.parse_args()
    work = os.path.join(args.out, 'tree')
    base = pristine_repo(args.upstream, work)
    git(work, 'checkout', '-q', '-f', '-B', 'series', base)
    git(work, 'clean', '-q', '-fdx', '-e', '.gup-pristine-commit')
    state = os.path.join(args.out, 'apply.state')
    if os.path.exists(state):
        os.remove(state)
    done = []
    for pid, subject, body in patch_list():
        done.append(pid)
        subprocess.run([sys.executable, os.path.join(HERE, 'apply.py'), '--repo', args.repo,
                        '--upstream', args.upstream, '--tree', work, '--kind', 'ours',
                        '--patches', ','.join(done), '--state', state],
                       check=True, stdout=subprocess.DEVNULL)
        git(work, 'add', '-A', '-f', '.', ':!.gup-pristine-commit')
        if not git(work, 'status', '--porcelain', '--untracked-files=no'):
            print(f'series: patch {pid} changes nothing (its files are not in the manifest yet)')
            done.pop()
            continue
        git(work, 'commit', '-q', '-s', '-F', '-', input=f'{subject}\n\n{body}')
    pdir = os.path.join(args.out, 'patches')
    shutil.rmtree(pdir, ignore_errors=True)
    git(work, 'format-patch', '-q', '--no-signature', '-o', pdir, base)
    names = sorted(os.path.join(pdir, n) for n in os.listdir(pdir))
    if not names:
        print('series: format-patch wrote no patch', file=sys.stderr)
        return 1
    for n in names:
        print('  ' + os.path.relpath(n, args.repo))
    # The proof: apply to a fresh checkout of the pristine commit.
    proof = os.path.join(args.out, 'proof')
    if os.path.isdir(proof):
        git(work, 'worktree', 'remove', '--force', proof)
    git(work, 'worktree', 'prune')
    git(work, 'worktree', 'add', '-q', '--detach', proof, base)
    git(proof, 'am', '-q', *names)
    if git(proof, 'diff', '--stat', 'series'):
        print('series: git am result differs from the series tree', file=sys.stderr)
        return 1
    git(work, 'worktree', 'remove', '--force', proof)
    print(f'series: {len(names)} patches in {os.path.relpath(pdir, args.repo)};'
          ' git am on a fresh pristine checkout applies them cleanly')
    return 0


if __name__ == '__main__':
    sys.exit(main())
