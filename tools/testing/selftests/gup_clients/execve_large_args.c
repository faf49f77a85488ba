// SPDX-License-Identifier: GPL-2.0
/*
 * execve() copies argv and envp out of the old image page by page with
 * get_user_pages_remote().  Exec ourselves with about 1 MiB of arguments
 * and environment whose strings straddle page boundaries, and check in the
 * child image that every byte arrived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NARGS 96	/* ~800 KiB in all: under ARG_MAX with the default 8 MiB stack */
#define ARGLEN 4099	/* not a multiple of the page size: strings straddle pages */

static char fill(int idx, int pos)
{
	return 'a' + (idx * 7 + pos) % 26;
}

static char *make_string(int idx, const char *prefix)
{
	size_t plen = strlen(prefix);
	char *s = malloc(plen + ARGLEN + 1);
	int i;

	if (!s)
		exit(2);
	memcpy(s, prefix, plen);
	for (i = 0; i < ARGLEN; i++)
		s[plen + i] = fill(idx, i);
	s[plen + ARGLEN] = '\0';
	return s;
}

static int check_string(const char *s, int idx, const char *prefix)
{
	size_t plen = strlen(prefix);
	int i;

	if (strncmp(s, prefix, plen) || strlen(s) != plen + ARGLEN)
		return -1;
	for (i = 0; i < ARGLEN; i++)
		if (s[plen + i] != fill(idx, i))
			return -1;
	return 0;
}

static int child(int argc, char **argv, char **envp)
{
	int i, nenv = 0;

	if (argc != NARGS + 2) {
		printf("child: expected %d arguments, saw %d\n", NARGS + 2, argc);
		return 1;
	}
	for (i = 0; i < NARGS; i++) {
		if (check_string(argv[i + 2], i, "")) {
			printf("child: argv[%d] corrupted\n", i + 2);
			return 1;
		}
	}
	for (; *envp; envp++) {
		if (strncmp(*envp, "GUPENV=", 7))
			continue;
		if (check_string(*envp, nenv, "GUPENV=")) {
			printf("child: environment string %d corrupted\n", nenv);
			return 1;
		}
		nenv++;
	}
	if (nenv != NARGS) {
		printf("child: expected %d environment strings, saw %d\n", NARGS, nenv);
		return 1;
	}
	printf("child: %d arguments and %d environment strings of %d bytes intact\n",
	       NARGS, nenv, ARGLEN);
	return 0;
}

int main(int argc, char **argv, char **envp)
{
	static char *args[NARGS + 3], *env[NARGS + 1];
	int i;

	if (argc > 1 && !strcmp(argv[1], "--child"))
		return child(argc, argv, envp);
	args[0] = argv[0];
	args[1] = "--child";
	for (i = 0; i < NARGS; i++) {
		args[i + 2] = make_string(i, "");
		env[i] = make_string(i, "GUPENV=");
	}
	execve("/proc/self/exe", args, env);
	perror("execve");
	return 1;
}
