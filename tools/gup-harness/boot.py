#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Boot a kernel under QEMU, collect its KUnit and userspace results.

usage: boot.py --arch x86_64|arm64|i386|arm|powerpc|s390|mips|riscv --kernel IMAGE --initrd CPIO --kunit-py PATH
               --log FILE --label NAME [--timeout S] [--append ARGS] [--suite GLOB]
               [--variant V] [--memory M] [--clean-log]

The kernel runs the built-in KUnit suites at boot, then the initramfs' init
runs the userspace tests, printing one line per test:
    GUPUSER: ok NAME        GUPUSER: not ok NAME - REASON
and finally `GUPUSER: done` before powering the machine off.

Writes the console to --log, prints every failing case, a per-suite summary
and finally `RESULT LABEL PASSED FAILED` for the caller to add up.  A guest
that hangs past --timeout is killed; a guest that crashes or never says
`done` is reported as a failure with the tail of its console.  With
--clean-log, one more test passes only if the console holds no kernel
warning or bug report (see REPORT): a DEBUG_VM assertion, lockdep or KASAN
finding fails the run even when every test's own checks passed.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

QEMU = {
    # edu, QEMU's teaching PCI device, can DMA; behind the virtio-iommu
    # (which ACPI's VIOT table describes) vfio can hand it to a test
    # (gup_clients/vfio_dma.c).  acpi=noirq routes PCI interrupts by the
    # BIOS's $PIR table: the pc machine's ACPI _PRT method is a loop that
    # the debug kernel's interpreter does not finish in ACPICA's 30 s
    # limit, stalling the boot of any kernel that enables a PCI device.
    'x86_64': (['qemu-system-x86_64', '-machine', 'pc', '-cpu', 'max',
                '-device', 'virtio-iommu-pci', '-device', 'edu'],
               'console=ttyS0 vsyscall=emulate memmap=256M!1G acpi=noirq'),
    # pauth-impdef: pointer authentication with QEMU's own hash instead of
    # the architected QARMA5, which TCG computes far more slowly; the
    # kernel signs return addresses in nearly every function.  The same
    # edu device and virtio-iommu as on x86_64, in the device tree; the
    # virt machine's GICv2 cannot isolate MSIs, which vfio's type1 driver
    # refuses unless told it may (the test uses no interrupt).
    'arm64': (['qemu-system-aarch64', '-machine', 'virt', '-cpu', 'max,pauth-impdef=on',
               '-device', 'virtio-iommu-pci', '-device', 'edu'],
              'console=ttyAMA0 vfio_iommu_type1.allow_unsafe_interrupts=1'),
    'i386': (['qemu-system-i386', '-machine', 'pc', '-cpu', 'max,vendor=GenuineIntel'], 'console=ttyS0'),
    # highmem=off keeps every device below 4 GiB, where a 32-bit kernel
    # without LPAE can reach it; a Cortex-A15 has LPAE for the other one.
    'arm': (['qemu-system-arm', '-machine', 'virt,highmem=off', '-cpu', 'cortex-a15'], 'console=ttyAMA0'),
    # A POWER8 has only the hash MMU; pseries offers it 16 MiB pages only
    # when asked.  The console is the hypervisor's.
    'powerpc': (['qemu-system-ppc64', '-machine', 'pseries,cap-hpt-max-page-size=16M', '-cpu', 'power8'],
                'console=hvc0'),
    # A POWER9 boots with the radix MMU.
    'powerpc-radix': (['qemu-system-ppc64', '-machine', 'pseries', '-cpu', 'power9'], 'console=hvc0'),
    # TCG emulates no EDAT, so s390 guests have neither THP nor hugetlb
    # pages.  The SCLP console needs no console=.
    's390': (['qemu-system-s390x', '-machine', 's390-ccw-virtio', '-cpu', 'max'], ''),
    # One CPU: a second one without MIPS MT leaves the console printing
    # NUL bytes right after the CPU probe.
    'mips': (['qemu-system-mips64el', '-machine', 'malta', '-cpu', 'MIPS64R2-generic', '-smp', '1'],
             'console=ttyS0'),
    # OpenSBI from QEMU's own firmware (-bios default).
    'riscv': (['qemu-system-riscv64', '-machine', 'virt', '-cpu', 'rv64', '-bios', 'default'],
              'console=ttyS0'),
}
# secretmem is off by default in 6.1;
# vsyscall=emulate gives x86_64 a readable gate page to look up;
# memmap=256M!1G (x86_64) turns 256 MiB of RAM into a legacy pmem device,
# /dev/pmem0, whose pages are ZONE_DEVICE: a DAX filesystem on it gives
# user mappings of devmap pages;
# panic=-1 with -no-reboot ends a crashed guest.
CMDLINE = 'panic=-1 oops=panic transparent_hugepage=madvise secretmem.enable=1'

# The hugetlb pools, by layout (ARCH or ARCH-VARIANT, see layout()); a
# hugepages= counts for the last hugepagesz= before it, the first one for
# the default size (PMD_SIZE).  gup_test_hugetlb_sizes tries every size.
# hugepagesz=1G hugepages=1: one PUD-size page, taken from memblock while
# the command line is parsed, after KASAN's shadow: it needs a free,
# 1 GiB aligned gigabyte.  With 5 GiB it finds one in ZONE_NORMAL, and
# ZONE_MOVABLE (the top gigabyte, which also holds early boot allocations)
# keeps free pages for the FOLL_LONGTERM migration cases; at 4 GiB there
# is no room for the page, at 6 GiB the early allocations fill all of
# ZONE_MOVABLE and those cases skip.
# arm64 adds its contiguous-PTE and contiguous-PMD pages (64 KiB and
# 32 MiB with 4K pages).  With 64K pages the default size is 512 MiB and
# 2 MiB is the contiguous-PTE size; there is no PUD size.
HUGEPAGES = {
    'x86_64': 'hugepages=96 hugepagesz=1G hugepages=1',
    'i386': 'hugepages=96',
    'arm-lpae': 'hugepages=96',
    'arm64': 'hugepages=96 hugepagesz=1G hugepages=1 hugepagesz=64K hugepages=4 hugepagesz=32M hugepages=1',
    'arm64-64k': 'hugepages=4 hugepagesz=2M hugepages=8',
    'powerpc': 'hugepages=32',
    'powerpc-radix': 'hugepages=96 hugepagesz=1G hugepages=1',
    'mips': 'hugepages=96',
    'mips-16k': 'hugepages=12',
    'riscv': 'hugepages=96 hugepagesz=1G hugepages=1',
}

# Guest RAM when --memory does not say (5 GiB for the 1 GiB page above;
# i386 maps at most 4 GiB without PAE, and arm's virt machine puts RAM at
# 1 GiB, so 3 GiB is what it can have below 4 GiB), and the size of
# ZONE_MOVABLE (movablecore=), which FOLL_LONGTERM migration needs to
# migrate out of.
# Early boot allocations, KASAN's shadow first (an eighth of RAM), come
# from the top of memory, that is from ZONE_MOVABLE.  With 64K pages the
# movable zone must still hold the 512 MiB hugetlb pool and a 512 MiB THP,
# and the rest must hold the pages migrated out, a 512 MiB huge zero page
# and whole pageblocks (512 MiB too): with less than 12 GiB and 5 GiB
# movable, some of the migration and huge zero page cases skip.  On riscv
# the 1 GiB hugetlb page lands in ZONE_MOVABLE as well, beside the KASAN
# shadow: 1 GiB movable leaves no free page there, 3 GiB of 6 do.
MEMORY = {'i386': '3G', 'arm': '3G', 'arm64-64k': '12G', 'mips': '2G', 'riscv': '6G'}
MOVABLE = {'arm64-64k': '5G', 'riscv': '3G'}

# Device memory for the KUnit devmap cases (kunit_user_mm.devmem=, see
# lib/kunit/user_mm.c): guest RAM the kernel must leave alone, two PMDs'
# worth: the cases map the first with a PMD leaf, the second with PTEs.
# x86_64 reserves it with memmap=SIZE$START, just above the pmem range.
# arm64 and powerpc have no memmap=: the guest gets that much more than
# --memory and mem= keeps the kernel to --memory, so the extra memory at
# the top of RAM (which arm64's virt machine starts at 1 GiB, RAM_BASE,
# and pseries at 0) is the device memory, and the
# zones (movablecore= takes the top of the kernel's memory) stay where
# they are without it: a ZONE_MOVABLE boundary moved by 4 MiB would cut
# the 1 GiB hugetlb page in two zones.
# pseries takes RAM only in 256 MiB steps.
DEVMEM = {'arm64-64k': 1 << 30, 'powerpc': 256 << 20, 'powerpc-radix': 256 << 20}
RAM_BASE = {'arm64': 1 << 30}

# The two device-coherent memories of lib/test_hmm.c (hmm-tests' dmirror
# devices 2 and 3), x86_64 only: 256 MiB each, the driver's chunk size,
# reserved like the range above, at 1.5 and 1.75 GiB.  Without them the
# driver makes only its two device-private devices and the coherent
# variants of hmm-tests skip.
HMM_SPM = ('memmap=512M$0x60000000 test_hmm.spm_addr_dev0=0x60000000 '
           'test_hmm.spm_addr_dev1=0x70000000')


def layout(arch, variant):
    """Keys to look a setting up by: the variant's own first, then the arch's."""
    return [f'{arch}-{variant}', arch] if variant else [arch]


def lookup(table, keys, default):
    return next((table[k] for k in keys if k in table), default)


def devmem_args(arch, keys, memory):
    """(QEMU memory in MiB, kernel command line words) for the device memory."""
    size = parse_size(memory)
    dev = lookup(DEVMEM, keys, 4 << 20)
    if arch in ('i386', 'arm', 's390', 'mips', 'riscv'):
        return size >> 20, ''
    if arch == 'x86_64':
        start = 0x50000000
        return size >> 20, (f'memmap={dev >> 20}M${start:#x} kunit_user_mm.devmem={dev >> 20}M@{start:#x} '
                            + HMM_SPM)
    start = RAM_BASE.get(arch, 0) + size
    return (size + dev) >> 20, f'mem={size >> 20}M kunit_user_mm.devmem={dev >> 20}M@{start:#x}'


def parse_size(text):
    """QEMU's -m notation (plain number: MiB) in bytes."""
    units = {'K': 10, 'M': 20, 'G': 30, 'T': 40}
    text = text.strip().upper()
    if text[-1:] in units:
        return int(float(text[:-1]) * (1 << units[text[-1]]))
    return int(text) << 20


# An upstream 6.1 false positive that can hit an x86_64 boot with KASAN
# and five-level paging (QEMU's -cpu max has LA57), before any test runs.
# identify_cpu() clears boot_cpu_data's feature bits and reads them back
# from CPUID.  An interrupt in between makes instrumented per-CPU accesses,
# and KASAN's bounds of the memory it shadows (KASAN_SHADOW_START) follow
# pgtable_l5_enabled(), which before alternatives are patched tests the
# cleared X86_FEATURE_LA57 bit: for that moment KASAN takes the five-level
# direct map for unshadowed memory and reports a "wild-memory-access".
# Since the report also turns lockdep off for the rest of the boot, such a
# boot is restarted rather than counted (at most RESTARTS times).
EARLY_FALSE_POSITIVE = re.compile(r'^BUG: KASAN: wild-memory-access in .*\n(?:(?!=====).*\n)*?'
                                  r'.*\bidentify_cpu\+', re.M)
RESTARTS = 3


def known_early_false_positive(log):
    """Does the console at LOG open with EARLY_FALSE_POSITIVE, before any test?"""
    text = open(log, encoding='utf-8', errors='replace').read()
    m = EARLY_FALSE_POSITIVE.search(text)
    return bool(m) and 'KTAP version' not in text[:m.start()]


def boot_once(cmd, args):
    """Run the guest once; (trouble or None, restart wanted)."""
    with open(args.log, 'wb') as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        for waited in range(args.timeout):
            try:
                code = proc.wait(timeout=1)
                return (f'qemu exited with {code}' if code else None), False
            except subprocess.TimeoutExpired:
                pass
            # The report comes in the first seconds of the boot.
            if waited < 120 and known_early_false_positive(args.log):
                proc.kill()
                proc.wait()
                return None, True
        proc.kill()
        proc.wait()
        return f'guest still running after {args.timeout} s: killed', False


def run_guest(args):
    keys = layout(args.arch, args.variant)
    cmd, archline = lookup(QEMU, keys, None)
    memory, devmem = devmem_args(args.arch, keys, args.memory or lookup(MEMORY, keys, '5G'))
    pools = lookup(HUGEPAGES, keys, '')
    movable = lookup(MOVABLE, keys, '1G')
    append = f'{archline} {devmem} movablecore={movable} {CMDLINE} {pools} {args.append}'.strip()
    if args.suite:
        append += f' kunit.filter_glob={args.suite}'
    smp = [] if '-smp' in cmd else ['-smp', str(args.smp)]
    cmd = cmd + ['-m', f'{memory}M'] + smp + ['-nographic', '-no-reboot', '-nic', 'none',
                 '-kernel', args.kernel, '-initrd', args.initrd, '-append', append]
    if args.plugin:
        cmd += ['-plugin', args.plugin]
    for attempt in range(RESTARTS + 1):
        trouble, restart = boot_once(cmd, args)
        if not restart:
            return trouble
        print(f'  note  {args.label}: boot {attempt + 1} hit the known early KASAN false positive'
              ' (see EARLY_FALSE_POSITIVE in boot.py), booting again', flush=True)
    return f'every boot hit the early KASAN false positive ({RESTARTS + 1} tries)'


def kunit_cases(kunit_py, log):
    """Return [(suite, case, ok)] parsed by kunit.py from the console log."""
    with tempfile.NamedTemporaryFile(suffix='.json') as js:
        subprocess.run([sys.executable, kunit_py, 'parse', '--json=' + js.name, os.path.abspath(log)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            tree = json.load(open(js.name))
        except ValueError:
            return []
    out = []

    def walk(group, path):
        for sub in group.get('sub_groups', []):
            walk(sub, path + [sub['name']])
        for case in group.get('test_cases', []):
            ok = {'PASS': True, 'SKIP': None}.get(case['status'], False)
            out.append(('.'.join(path[1:]) or '?', case['name'], ok))
    walk(tree, [tree.get('name', '')])
    return out


def user_cases(log):
    text = open(log, encoding='utf-8', errors='replace').read()
    cases = [(m.group(2), not m.group(1), m.group(3) or '')
             for m in re.finditer(r'GUPUSER: (not )?ok (\S+)(?: - (.*))?\r?$', text, re.M)]
    return cases, 'GUPUSER: done' in text


# Kernel reports that fail a --clean-log run: warnings (WARN_ON, DEBUG_VM's
# VM_WARN_ON, lockdep, RCU checks), BUG reports (KASAN, sleeping in atomic
# context, bad page state) and UBSAN.  Upstream's gup_test module is
# exempt: its own check warns when a read-only pin returns the zero page,
# which the GUP core rightly does not pin-count.
REPORT = re.compile(r'^(WARNING: CPU: \d+ PID: \d+ at (\S+).*|WARNING: (?:possible|suspicious) .*|'
                    r'BUG: .*|UBSAN: .*)\r?$', re.M)
EXEMPT = ('mm/gup_test.c:',)
# Reports of upstream bugs outside GUP, by arch, matched whole.  s390 6.1
# leaves one page table counted when an mm grew from three levels to four
# or five (crst_table_upgrade()): any process that maps above 4 TiB
# reports it when its mm is freed, without a GUP call (checked with a
# static program doing just that); gupf_test_top maps at the very top.
EXEMPT_ARCH = {'s390': ('BUG: non-zero pgtables_bytes on freeing mm: 16384',)}


def kernel_reports(log, arch=''):
    """The kernel's warning and bug report lines in the console, minus the exempt ones."""
    text = open(log, encoding='utf-8', errors='replace').read()
    known = EXEMPT_ARCH.get(arch, ())
    return [m.group(1) for m in REPORT.finditer(text)
            if not (m.group(2) and any(e in m.group(2) for e in EXEMPT)) and m.group(1) not in known]


def main():
    ap = argparse.ArgumentParser()
    for opt in ('--arch', '--kernel', '--initrd', '--kunit-py', '--log', '--label'):
        ap.add_argument(opt, required=True)
    ap.add_argument('--timeout', type=int, default=2400)
    ap.add_argument('--memory', default='', help='guest RAM (default: see MEMORY)')
    ap.add_argument('--variant', default='',
                    help='the kernel\'s configs/ARCH-VARIANT.config, for settings that depend on it')
    ap.add_argument('--append', default='')
    ap.add_argument('--suite', default='')
    ap.add_argument('--smp', type=int, default=2)
    ap.add_argument('--plugin', default='', help='a TCG plugin with its arguments, for QEMU -plugin')
    ap.add_argument('--clean-log', action='store_true',
                    help='count a kernel warning or bug report in the console as a failed test')
    args = ap.parse_args()

    trouble = run_guest(args)
    kcases = kunit_cases(args.kunit_py, args.log)
    ucases, done = user_cases(args.log)
    passed = failed = 0
    suites = {}
    for suite, case, ok in kcases:
        s = suites.setdefault(suite, [0, 0, 0])
        s[{True: 0, False: 1, None: 2}[ok]] += 1
        if ok is False:
            print(f'  FAIL  kunit {suite}.{case}')
    for suite, (p, f, sk) in sorted(suites.items()):
        print(f'  kunit {suite:30} {p:4} passed {f:4} failed {sk:4} skipped')
        passed, failed = passed + p, failed + f
    for name, ok, why in ucases:
        print(f'  {"ok  " if ok else "FAIL"}  user {name}{" - " + why if why else ""}')
        passed, failed = passed + ok, failed + (not ok)
    if args.clean_log:
        reports = kernel_reports(args.log, args.arch)
        if reports:
            print(f'  FAIL  log {len(reports)} kernel warning or bug report(s), first: {reports[0]}')
        else:
            print('  ok    log no kernel warning or bug report')
        passed, failed = passed + (not reports), failed + bool(reports)
    problems = []
    if not kcases and not args.suite.startswith('none'):
        problems.append('no KUnit results in the console')
    if not done:
        problems.append('userspace tests did not finish (crash, hang or panic)')
    if trouble:
        problems.append(trouble)
    if problems:
        failed += 1
        print(f'  FAIL  {args.label}: ' + '; '.join(problems))
        tail = open(args.log, encoding='utf-8', errors='replace').read().splitlines()[-40:]
        print('  ---- last console lines ' + f'({args.log}) ----')
        for line in tail:
            print('  | ' + line)
    print(f'RESULT {args.label} {passed} {failed}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
