// SPDX-License-Identifier: GPL-2.0
/*
 * The last test of the coverage guest (make coverage): copy the kernel's
 * gcov counters out through the console, the guest's only way out.
 *
 * CONFIG_GCOV_KERNEL shows one .gcda file per profiled object under
 * /sys/kernel/debug/gcov, at the object's build path.  Each one goes to
 * stdout as
 *	GCOV-FILE PATH
 *	GCOV-DATA HEX...	(up to 64 bytes a line)
 *	GCOV-END PATH SIZE
 * and tools/gup-harness/coverage.py writes it back beside the object on
 * the host.  Exit status 0 when at least one file went out whole.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>

#define GCOV_ROOT "/sys/kernel/debug/gcov"

static int dumped, broken;

static int dump_file(const char *path)
{
	const char *rel = path + strlen(GCOV_ROOT);
	unsigned char buf[64];
	long total = 0;
	size_t n, i;
	FILE *f = fopen(path, "rb");
	char line[2 * sizeof(buf) + 1];

	if (!f) {
		printf("gcov_dump: %s: %s\n", path, strerror(errno));
		return -1;
	}
	/* debugfs shows no size: count the bytes while copying them */
	printf("GCOV-FILE %s\n", rel);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (i = 0; i < n; i++)
			sprintf(line + 2 * i, "%02x", buf[i]);
		printf("GCOV-DATA %s\n", line);
		total += n;
	}
	if (ferror(f)) {
		printf("gcov_dump: reading %s failed\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	printf("GCOV-END %s %ld\n", rel, total);
	return 0;
}

static int visit(const char *path, const struct stat *st, int type,
		 struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 5 || strcmp(path + len - 5, ".gcda"))
		return 0;
	if (dump_file(path))
		broken++;
	else
		dumped++;
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (nftw(GCOV_ROOT, visit, 16, FTW_PHYS)) {
		printf("gcov_dump: %s: %s\n", GCOV_ROOT, strerror(errno));
		return 1;
	}
	printf("gcov_dump: %d files, %d unreadable\n", dumped, broken);
	fflush(stdout);
	return dumped > 0 && !broken ? 0 : 1;
}
