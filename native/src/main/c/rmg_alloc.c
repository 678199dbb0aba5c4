/*
 * reactor-mongoose: counted allocations and the live-loop counter (no JNI).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* explicit_bzero under -std=c11 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "rmg_alloc.h"

static long s_live_allocs;
static long s_live_loops;
static long s_mg_live_allocs;
static long s_live_bytes; /* bytes of the live blocks of both allocators (headers left out) */

/* Mongoose's allocator (MG_ENABLE_CUSTOM_CALLOC=1): counted, and every block is wiped when
 * freed. The built-in TLS stack keeps private keys, traffic secrets and decrypted records in
 * blocks it frees without wiping (mg_tls_free); this wipes them. A header before each block
 * (Mongoose's and the glue's) keeps its size; 16 bytes keep malloc's alignment. */
#define RMG_HEADER 16

/* A zeroed block of n bytes, counted in *count and in the live bytes; NULL if out of memory. */
static void *rmg_block_new(size_t n, long *count) {
  unsigned char *p;
  if (n > (size_t) -1 - RMG_HEADER) return NULL;
  p = (unsigned char *) calloc(1, n + RMG_HEADER);
  if (p == NULL) return NULL;
  memcpy(p, &n, sizeof(n));
  __atomic_add_fetch(count, 1, __ATOMIC_RELAXED);
  __atomic_add_fetch(&s_live_bytes, (long) n, __ATOMIC_RELAXED);
  return p + RMG_HEADER;
}

/* Frees a block of rmg_block_new (NULL: nothing), wiped first if asked. */
static void rmg_block_free(void *ptr, long *count, bool wipe) {
  unsigned char *p;
  size_t n;
  if (ptr == NULL) return;
  p = (unsigned char *) ptr - RMG_HEADER;
  memcpy(&n, p, sizeof(n));
  if (wipe) explicit_bzero(p, n + RMG_HEADER);
  free(p);
  __atomic_sub_fetch(count, 1, __ATOMIC_RELAXED);
  __atomic_sub_fetch(&s_live_bytes, (long) n, __ATOMIC_RELAXED);
}

void *mg_calloc(size_t count, size_t size) {
  if (size != 0 && count > ((size_t) -1 - RMG_HEADER) / size) return NULL;
  return rmg_block_new(count * size, &s_mg_live_allocs);
}

void mg_free(void *ptr) { rmg_block_free(ptr, &s_mg_live_allocs, true); }

long rmg_mg_live_allocations(void) { return __atomic_load_n(&s_mg_live_allocs, __ATOMIC_RELAXED); }

void *rmg_alloc(size_t n) { return rmg_block_new(n, &s_live_allocs); }

void *rmg_realloc(void *ptr, size_t old_n, size_t n) {
  unsigned char *p;
  (void) old_n; /* the header knows it */
  if (ptr == NULL) return rmg_alloc(n);
  if (n > (size_t) -1 - RMG_HEADER) return NULL;
  p = (unsigned char *) realloc((unsigned char *) ptr - RMG_HEADER, n + RMG_HEADER);
  if (p == NULL) return NULL; /* ptr stays valid and counted */
  memcpy(&old_n, p, sizeof(old_n));
  memcpy(p, &n, sizeof(n));
  __atomic_add_fetch(&s_live_bytes, (long) n - (long) old_n, __ATOMIC_RELAXED);
  return p + RMG_HEADER;
}

void rmg_free(void *ptr) { rmg_block_free(ptr, &s_live_allocs, false); }

long rmg_live_allocations(void) { return __atomic_load_n(&s_live_allocs, __ATOMIC_RELAXED); }
long rmg_live_bytes(void) { return __atomic_load_n(&s_live_bytes, __ATOMIC_RELAXED); }
long rmg_live_loops(void) { return __atomic_load_n(&s_live_loops, __ATOMIC_RELAXED); }
void rmg_loops_changed(int delta) { __atomic_add_fetch(&s_live_loops, delta, __ATOMIC_RELAXED); }
