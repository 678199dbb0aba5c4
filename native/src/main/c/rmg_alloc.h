/*
 * reactor-mongoose: counted allocations and the live-loop counter (rmg_alloc.c).
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Every block the glue allocates for itself goes through these, so tests can assert that
 * nothing is left behind (NativeConstants.liveAllocations / liveLoops). Buffers owned by
 * Mongoose (c->recv, c->send) use Mongoose's allocator (mg_calloc, rmg_alloc.c): not in that
 * count, but their bytes are in rmg_live_bytes with the glue's (NativeConstants.liveBytes).
 */
#ifndef RMG_ALLOC_H
#define RMG_ALLOC_H

#include <stddef.h>

/* Zeroed block of n bytes, or NULL. */
void *rmg_alloc(size_t n);
/* Resizes p (counted) to n bytes; NULL on failure, p then stays valid and counted. */
void *rmg_realloc(void *p, size_t old_n, size_t n);
void rmg_free(void *p);

long rmg_live_allocations(void);
/* Blocks Mongoose holds (its allocator is ours: mg_calloc/mg_free, wiped when freed). */
long rmg_mg_live_allocations(void);
long rmg_live_bytes(void);
long rmg_live_loops(void);
void rmg_loops_changed(int delta);

#endif
