/*
 * reactor-mongoose: connection id -> struct mg_connection * map (rmg_table.c, no JNI).
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * Open addressing with linear probing and backward-shift delete; capacity is a power of
 * two, kept at most half full. Id 0 marks an empty slot (Mongoose ids start at 1).
 */
#ifndef RMG_TABLE_H
#define RMG_TABLE_H

#include <stddef.h>

struct mg_connection;

struct rmg_table {
  unsigned long *keys;
  struct mg_connection **vals;
  size_t cap, len;
};

/* cap must be a power of two. Returns 0, or -1 when out of memory. */
int rmg_table_init(struct rmg_table *t, size_t cap);
void rmg_table_free(struct rmg_table *t);
/* Inserts or replaces. Returns 0, or -1 when out of memory (the table is unchanged). */
int rmg_table_put(struct rmg_table *t, unsigned long id, struct mg_connection *c);
void rmg_table_del(struct rmg_table *t, unsigned long id);
/* The connection with this id, or NULL. */
struct mg_connection *rmg_table_get(const struct rmg_table *t, unsigned long id);

#endif
