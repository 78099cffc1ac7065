/* What the C tests share: a count of checks passed and failed, and EXPECT, which counts one and
 * names the line of a failure. Each test is one translation unit that includes this once. */
#ifndef CALLSEAL_TESTS_CHECK_H
#define CALLSEAL_TESTS_CHECK_H

#include <stdio.h>

static int passed = 0, failed = 0;

#define EXPECT(cond)                                                            \
    do {                                                                        \
        if (cond) {                                                             \
            passed++;                                                           \
        } else {                                                                \
            failed++;                                                           \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
        }                                                                       \
    } while (0)

#endif
