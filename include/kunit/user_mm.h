/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit helpers that give a test case a user address space of its own.
 *
 * A test calls kunit_user_mm_attach() once; from then on current->mm is a
 * fresh, empty mm that the test thread uses as its own, and the mapping
 * helpers below place memory in it.  Everything is torn down through KUnit
 * resources when the test case ends, whether it passed or failed.
 */
#ifndef _KUNIT_USER_MM_H
#define _KUNIT_USER_MM_H

#include <kunit/test.h>

struct file;

/**
 * kunit_user_mm_attach() - give the running test case its own user mm
 * @test: the test case
 *
 * Return: 0, or -errno (the test should then fail or skip).
 */
int kunit_user_mm_attach(struct kunit *test);

/**
 * kunit_user_mmap() - map memory into the test's user mm
 * @test: the test case, after kunit_user_mm_attach()
 * @file: backing file, or NULL for anonymous memory
 * @addr: address hint (or the address for MAP_FIXED), 0 for any
 * @len: length in bytes
 * @prot: PROT_* bits
 * @flags: MAP_* bits (MAP_PRIVATE or MAP_SHARED, MAP_FIXED, MAP_POPULATE...)
 * @pgoff: offset into @file in pages
 *
 * Return: the user address, or a negative errno (test with IS_ERR_VALUE()).
 */
unsigned long kunit_user_mmap(struct kunit *test, struct file *file,
			      unsigned long addr, unsigned long len,
			      unsigned long prot, unsigned long flags,
			      unsigned long pgoff);

/* Anonymous memory (MAP_PRIVATE unless @flags says MAP_SHARED). */
unsigned long kunit_user_mmap_anon(struct kunit *test, unsigned long len,
				   unsigned long prot, unsigned long flags);

/* A fresh shmem file of @len bytes, mapped with @flags. */
unsigned long kunit_user_mmap_shmem(struct kunit *test, unsigned long len,
				    unsigned long prot, unsigned long flags);

/*
 * A fresh hugetlbfs file of @len bytes (a multiple of the default huge
 * page size), mapped with @flags.  Negative -errno when the kernel has no
 * hugetlbfs or no free huge pages.
 */
unsigned long kunit_user_mmap_hugetlb(struct kunit *test, unsigned long len,
				      unsigned long prot, unsigned long flags);

/*
 * Anonymous memory aligned to HPAGE_PMD_SIZE and advised MADV_HUGEPAGE, so
 * that a write fault can install a PMD-mapped THP.  @len is rounded up to
 * a multiple of HPAGE_PMD_SIZE.
 */
unsigned long kunit_user_mmap_thp(struct kunit *test, unsigned long len,
				  unsigned long prot, unsigned long flags);

#endif /* _KUNIT_USER_MM_H */
