/*
 * reactor-mongoose: counted allocations and the live-loop counter (no JNI).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdlib.h>
#include "rmg_alloc.h"

static long s_live_allocs;
static long s_live_loops;

void *rmg_alloc(size_t n) {
  void *p = calloc(1, n);
  if (p != NULL) __atomic_add_fetch(&s_live_allocs, 1, __ATOMIC_RELAXED);
  return p;
}

void *rmg_realloc(void *p, size_t old_n, size_t n) {
  (void) old_n;
  if (p == NULL) return rmg_alloc(n);
  return realloc(p, n); /* on failure p stays valid and counted */
}

void rmg_free(void *p) {
  if (p != NULL) {
    free(p);
    __atomic_sub_fetch(&s_live_allocs, 1, __ATOMIC_RELAXED);
  }
}

long rmg_live_allocations(void) { return __atomic_load_n(&s_live_allocs, __ATOMIC_RELAXED); }
long rmg_live_loops(void) { return __atomic_load_n(&s_live_loops, __ATOMIC_RELAXED); }
void rmg_loops_changed(int delta) { __atomic_add_fetch(&s_live_loops, delta, __ATOMIC_RELAXED); }
