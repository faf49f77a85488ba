// SPDX-License-Identifier: GPL-2.0
/*
 * /init of the test initramfs: mount the pseudo filesystems, run every
 * line of /tests/list as one userspace test, report each on the console
 * and power the machine off.
 *
 * A line of /tests/list is "NAME SECONDS PROGRAM [ARG...]" (blank lines
 * and lines starting with '#' are ignored).  PROGRAM may be preceded by
 * the word needs-hugetlb: the test is then skipped when the kernel has no
 * free hugetlb page (no hugetlb support, or none the emulated CPU can
 * map, as on s390 under TCG or 32-bit Arm without LPAE).  Exit status 0
 * passes, 4 (kselftest's "skip") skips, anything else fails; a test still
 * running after SECONDS is killed and fails.  Output, one line per test:
 *	GUPUSER: ok NAME
 *	GUPUSER: not ok NAME - REASON
 *	GUPUSER: skip NAME
 * and "GUPUSER: done" at the end, which tells the host that init finished.
 * The machine is then rebooted, which ends QEMU (-no-reboot).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 64

/* init's signal mask before it blocked SIGCHLD: what the tests get. */
static sigset_t test_sigmask;

static void mount_fs(const char *src, const char *dir, const char *type)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, NULL) && errno != EBUSY)
		printf("init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

static int split(char *line, char **argv)
{
	int argc = 0;
	char *tok;

	for (tok = strtok(line, " \t\n"); tok && argc < MAX_ARGS - 1;
	     tok = strtok(NULL, " \t\n"))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return argc;
}

static sigset_t *sigchld_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGCHLD);
	return set;
}

/*
 * Wait for @pid at most @secs seconds; kill it after that.  SIGCHLD is
 * blocked (see main()), so sigtimedwait() sleeps until some child changes
 * state or the time is up: no polling, so init makes no system calls and
 * reads no kernel clock while a test runs (the instruction counting mode
 * of the benchmark counts every kernel clock read as a phase boundary).
 */
static int wait_bounded(pid_t pid, int secs, int *timed_out)
{
	struct timespec t0, now, left;
	sigset_t chld;
	long ms;
	int status;

	sigchld_set(&chld);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	*timed_out = 0;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = secs * 1000L - ((now.tv_sec - t0.tv_sec) * 1000L +
				     (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (ms <= 0)
			break;
		left.tv_sec = ms / 1000;
		left.tv_nsec = (ms % 1000) * 1000000;
		sigtimedwait(&chld, NULL, &left);
	}
	*timed_out = 1;
	kill(-pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

/* HugePages_Free of /proc/meminfo; 0 where the kernel shows none. */
static long hugetlb_pages_free(void)
{
	char line[256];
	long n = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			break;
	if (f)
		fclose(f);
	return n;
}

static void run_one(char *name, int secs, char **argv)
{
	int status, timed_out;
	pid_t pid;

	printf("init: running %s\n", name);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &test_sigmask, NULL);
		setpgid(0, 0);
		chdir("/tests");
		execv(argv[0], argv);
		printf("init: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	status = wait_bounded(pid, secs, &timed_out);
	if (timed_out)
		printf("GUPUSER: not ok %s - still running after %d s\n", name, secs);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		printf("GUPUSER: ok %s\n", name);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 4)
		printf("GUPUSER: skip %s\n", name);
	else if (WIFEXITED(status))
		printf("GUPUSER: not ok %s - exit status %d\n", name,
		       WEXITSTATUS(status));
	else
		printf("GUPUSER: not ok %s - killed by signal %d\n", name,
		       WTERMSIG(status));
	fflush(stdout);
}

int main(void)
{
	char line[1024], *argv[MAX_ARGS];
	sigset_t chld;
	FILE *list;

	mount_fs("proc", "/proc", "proc");
	mount_fs("sysfs", "/sys", "sysfs");
	mount_fs("devtmpfs", "/dev", "devtmpfs");
	mount_fs("debugfs", "/sys/kernel/debug", "debugfs");
	mount_fs("tmpfs", "/tmp", "tmpfs");
	mount_fs("hugetlbfs", "/hugepages", "hugetlbfs");
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigprocmask(SIG_BLOCK, sigchld_set(&chld), &test_sigmask);

	list = fopen("/tests/list", "r");
	if (!list)
		printf("GUPUSER: not ok list - /tests/list: %s\n", strerror(errno));
	while (list && fgets(line, sizeof(line), list)) {
		int argc = split(line, argv);
		char **prog;

		if (argc == 0 || argv[0][0] == '#')
			continue;
		if (argc < 3) {
			printf("GUPUSER: not ok %s - malformed list line\n", argv[0]);
			continue;
		}
		prog = argv + 2;
		if (!strcmp(*prog, "needs-hugetlb")) {
			prog++;	/* argv ends with NULL */
			if (!*prog || hugetlb_pages_free() <= 0) {
				printf("GUPUSER: skip %s\n", argv[0]);
				continue;
			}
		}
		run_one(argv[0], atoi(argv[1]), prog);
	}
	printf("GUPUSER: done\n");
	fflush(stdout);
	sync();
	reboot(RB_AUTOBOOT);	/* QEMU runs with -no-reboot: this exits it */
	return 0;
}
