/* test.h — a minimal table-friendly unit test harness. Each check prints "PASS: name" or
 * "FAIL: name: why"; tests/run.sh counts the lines. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned test_failures;
static const char *test_current = "?";

#define TEST_BEGIN(name) \
	do { \
		test_current = (name); \
		unsigned test_failures_before_ = test_failures;
#define TEST_END() \
	if (test_failures == test_failures_before_) \
		printf("PASS: %s\n", test_current); \
	} while (0)

#define CHECK(cond) \
	do { \
		if (!(cond)) { \
			printf("FAIL: %s: %s:%d: %s\n", test_current, __FILE__, __LINE__, #cond); \
			test_failures++; \
		} \
	} while (0)

#define CHECK_STR(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0)) { \
			printf("FAIL: %s: %s:%d: %s is \"%s\", want \"%s\"\n", test_current, __FILE__, \
			       __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
			test_failures++; \
		} \
	} while (0)

#define CHECK_INT(got, want) \
	do { \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (g_ != w_) { \
			printf("FAIL: %s: %s:%d: %s is %lld, want %lld\n", test_current, __FILE__, \
			       __LINE__, #got, g_, w_); \
			test_failures++; \
		} \
	} while (0)

#define TEST_EXIT() return test_failures ? 1 : 0
