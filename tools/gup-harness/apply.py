#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Apply the series to an unpacked kernel tree, deterministically.

usage: apply.py --repo DIR --upstream DIR --tree DIR --kind ours|base

Every file the series touches is computed from two inputs only, the
pristine upstream tree and the repo, and written into TREE only when its
content differs, so re-applying is a no-op and make rebuilds just what
changed.  Files the series wrote on an earlier run but no longer owns are
put back to their upstream content (or removed), so a tree left behind by
an interrupted or older run is repaired.

kind "ours" is the full series; kind "base" is the pristine kernel plus
only the test and benchmark files, for side-by-side runs.

Any upstream text an edit expects and does not find stops the run with a
message naming the file and the text.
"""
import argparse
import os
import sys

STATE = '.gup-series-files'


class ApplyError(Exception):
    pass


def read(path):
    with open(path, encoding='utf-8') as f:
        return f.read()


def manifest(repo, kind, patches=None):
    """Yield (path, patch) for every series file that goes into KIND
    (and, if PATCHES is given, belongs to one of those patches)."""
    mpath = os.path.join(repo, 'tools/gup-harness/series.manifest')
    for no, line in enumerate(read(mpath).splitlines(), 1):
        line = line.split('#', 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 3 or fields[1] not in ('ours', 'both'):
            raise ApplyError(f'{mpath}:{no}: expected "PATH ours|both PATCH"')
        if patches is not None and fields[2] not in patches:
            continue
        if kind == 'ours' or fields[1] == 'both':
            if not os.path.isfile(os.path.join(repo, fields[0])):
                raise ApplyError(f'{mpath}:{no}: {fields[0]} is listed but missing')
            yield fields[0], fields[2]


# The folders where the repository mirrors the kernel's layout: every file
# in them is part of the series, so each must have its manifest line.
KERNEL_DIRS = ('arch', 'Documentation', 'include', 'lib', 'mm', 'tools/testing')


def check_manifest_complete(repo):
    """Fail if a file in KERNEL_DIRS of REPO has no line in the manifest
    (it would be left out of the kernel trees and of `make series`)."""
    listed = {path for path, _ in manifest(repo, 'ours')}
    for top in KERNEL_DIRS:
        for root, _, names in os.walk(os.path.join(repo, top)):
            for name in names:
                path = os.path.relpath(os.path.join(root, name), repo)
                if path not in listed:
                    raise ApplyError(f'{path} is not in tools/gup-harness/series.manifest')


def once(text, needle, where):
    count = text.count(needle)
    if count != 1:
        raise ApplyError(f'{where}: expected exactly one {needle!r}, found {count}'
                         ' (upstream layout differs from what the series expects)')
    return text.index(needle)


def append_after_last(text, anchor, lines, where):
    """Append LINES at the end of TEXT, which must end with ANCHOR."""
    if not text.rstrip('\n').endswith(anchor):
        raise ApplyError(f'{where}: expected the file to end with {anchor!r}')
    return text.rstrip('\n') + '\n' + ''.join(l + '\n' for l in lines)


def splice(text, first, last, replacement, where):
    """Replace the block from line FIRST through line LAST with REPLACEMENT."""
    start = once(text, first, where)
    end = once(text, last, where) + len(last)
    if end <= start:
        raise ApplyError(f'{where}: {last!r} comes before {first!r}')
    return text[:start] + replacement + text[end:]


def insert_after(text, anchor, line, where):
    """Insert LINE after the one occurrence of the line ANCHOR."""
    at = once(text, anchor, where) + len(anchor)
    return text[:at] + line + text[at:]


def strip_spdx(text):
    lines = text.splitlines(keepends=True)
    if lines and 'SPDX-License-Identifier' in lines[0]:
        lines = lines[1:]
    return ''.join(lines)


def mm_makefile(text, objs, bench):
    """mm/Makefile: our objects at the end; the benchmark floor (with its
    CONFIG_GUP_BENCH_PAD padding) linked just before gup.o, so that the
    padding moves all GUP code, and gup_test.o, in both kernels."""
    if bench:
        where = 'mm/Makefile'
        at = once(text, 'obj-y\t\t\t:= filemap.o', where)
        text = (text[:at] + '# The GUP benchmark floor, linked before gup.o '
                '(tools/gup-harness/apply.py)\n'
                'gup-bench-$(CONFIG_GUP_BENCH) := gup_floor.o\n' + text[at:])
        old = 'debug.o gup.o mmap_lock.o $(mmu-y)'
        at = once(text, old, where)
        text = (text[:at] + 'debug.o $(gup-bench-y) gup.o mmap_lock.o $(mmu-y)' +
                text[at + len(old):])
    if objs:
        text = append_after_last(
            text, 'obj-$(CONFIG_SHRINKER_DEBUG) += shrinker_debug.o',
            ['', '# The GUP series (tools/gup-harness/apply.py)'] + objs, 'mm/Makefile')
    return text


def edits(repo, kind, files):
    """Return {path: function(upstream_text) -> text} for edited upstream files."""
    out = {}
    mm_objs = []
    if 'mm/gup_fast.c' in files:
        mm_objs.append('obj-y += gup_fast.o')
    if 'mm/gup_kunit.c' in files:
        mm_objs.append('obj-$(CONFIG_GUP_KUNIT_TEST) += gup_kunit.o')
    if 'mm/gup_fast_kunit.c' in files:
        mm_objs.append('obj-$(CONFIG_GUP_FAST_KUNIT_TEST) += gup_fast_kunit.o')
    if 'mm/vm_insert_page_kunit.c' in files:
        mm_objs.append('obj-$(CONFIG_VM_INSERT_PAGE_KUNIT_TEST) += vm_insert_page_kunit.o')
    bench = 'mm/gup_floor.c' in files
    if mm_objs or bench:
        out['mm/Makefile'] = lambda t: mm_makefile(t, mm_objs, bench)
    if 'mm/Kconfig.gup' in files:
        out['mm/Kconfig'] = lambda t: append_after_last(
            t, 'endmenu', ['', 'source "mm/Kconfig.gup"'], 'mm/Kconfig')
    if 'lib/kunit/user_mm.c' in files:
        out['lib/kunit/Makefile'] = lambda t: append_after_last(
            t, 'obj-$(CONFIG_KUNIT_EXAMPLE_TEST) +=	kunit-example-test.o',
            ['obj-$(CONFIG_KUNIT_USER_MM) +=		user_mm.o'], 'lib/kunit/Makefile')
    if 'lib/kunit/Kconfig.user_mm' in files:
        out['lib/kunit/Kconfig'] = lambda t: append_after_last(
            t, 'endif # KUNIT', ['', 'source "lib/kunit/Kconfig.user_mm"'],
            'lib/kunit/Kconfig')
    if 'Documentation/core-api/gup-core.rst' in files:
        out['Documentation/core-api/index.rst'] = lambda t: insert_after(
            t, '   pin_user_pages\n', '   gup-core\n',
            'Documentation/core-api/index.rst')
    if 'arch/arm64/mm/flush_pages.c' in files:
        out['arch/arm64/mm/Makefile'] = lambda t: append_after_last(
            t, 'KASAN_SANITIZE_kasan_init.o\t:= n',
            ['', '# The GUP series (tools/gup-harness/apply.py)',
             'obj-y\t\t\t\t+= flush_pages.o'], 'arch/arm64/mm/Makefile')
        out['arch/arm64/include/asm/cacheflush.h'] = lambda t: insert_after(
            t, 'extern void flush_dcache_page(struct page *);\n',
            'void flush_dcache_page_array(struct page **pages, unsigned long nr);\n'
            '#define flush_dcache_page_array flush_dcache_page_array\n',
            'arch/arm64/include/asm/cacheflush.h')
    if 'mm/memory_insert_page.c' in files:
        ours = strip_spdx(read(os.path.join(repo, 'mm/memory_insert_page.c')))
        out['mm/memory.c'] = lambda t: splice(
            t, 'static int validate_page_before_insert(struct page *page)\n',
            'EXPORT_SYMBOL(vm_map_pages_zero);\n', ours, 'mm/memory.c')
    return out


def write_if_changed(path, text):
    if os.path.isfile(path) and read(path) == text:
        return False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.gup-tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)
    return True


def desired(repo, upstream, kind, patches=None):
    """Map every path the series sets in the tree to its content."""
    check_manifest_complete(repo)
    files = dict(manifest(repo, kind, patches))
    want = {}
    for path in files:
        # memory_insert_page.c is spliced into memory.c, not built alone
        if path != 'mm/memory_insert_page.c':
            want[path] = read(os.path.join(repo, path))
    for path, edit in edits(repo, kind, files).items():
        want[path] = edit(read(os.path.join(upstream, path)))
    return want


def restore(upstream, tree, path):
    """Put PATH back the way upstream has it (absent if upstream has none)."""
    src, dst = os.path.join(upstream, path), os.path.join(tree, path)
    if os.path.isfile(src):
        return write_if_changed(dst, read(src))
    if os.path.exists(dst):
        os.remove(dst)
        return True
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--repo', required=True)
    ap.add_argument('--upstream', required=True)
    ap.add_argument('--tree', required=True)
    ap.add_argument('--kind', choices=('ours', 'base'), required=True)
    ap.add_argument('--patches', help='comma-separated: apply only these patches')
    ap.add_argument('--state', help='where to remember what was written '
                    '(default: TREE/' + STATE + ')')
    args = ap.parse_args()
    patches = set(args.patches.split(',')) if args.patches else None
    try:
        want = desired(args.repo, args.upstream, args.kind, patches)
    except (ApplyError, OSError) as e:
        print(f'apply: {e}', file=sys.stderr)
        return 1
    state = args.state or os.path.join(args.tree, STATE)
    before = set(read(state).split()) if os.path.isfile(state) else set()
    changed = [p for p in sorted(before - set(want))
               if restore(args.upstream, args.tree, p)]
    changed += [p for p in sorted(want)
                if write_if_changed(os.path.join(args.tree, p), want[p])]
    write_if_changed(state, ''.join(p + '\n' for p in sorted(want)))
    for p in changed:
        print(f'  APPLY   {args.kind}: {p}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
