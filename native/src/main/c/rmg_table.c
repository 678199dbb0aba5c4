/*
 * reactor-mongoose: connection id -> pointer map (no JNI, no Mongoose calls).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <stdint.h>
#include <string.h>
#include "rmg_alloc.h"
#include "rmg_table.h"

static size_t rmg_slot(unsigned long id, size_t cap) {
  uint64_t h = (uint64_t) id * 0x9E3779B97F4A7C15ULL;
  return (size_t) (h >> 17) & (cap - 1);
}

int rmg_table_init(struct rmg_table *t, size_t cap) {
  t->keys = (unsigned long *) rmg_alloc(cap * sizeof(*t->keys));
  t->vals = (struct mg_connection **) rmg_alloc(cap * sizeof(*t->vals));
  t->cap = cap;
  t->len = 0;
  if (t->keys == NULL || t->vals == NULL) {
    rmg_free(t->keys);
    rmg_free(t->vals);
    memset(t, 0, sizeof(*t));
    return -1;
  }
  return 0;
}

void rmg_table_free(struct rmg_table *t) {
  rmg_free(t->keys);
  rmg_free(t->vals);
  memset(t, 0, sizeof(*t));
}

static int rmg_table_grow(struct rmg_table *t) {
  struct rmg_table n;
  size_t i;
  if (rmg_table_init(&n, t->cap * 2) != 0) return -1;
  for (i = 0; i < t->cap; i++) {
    if (t->keys[i] != 0) rmg_table_put(&n, t->keys[i], t->vals[i]); /* cannot grow again */
  }
  rmg_table_free(t);
  *t = n;
  return 0;
}

int rmg_table_put(struct rmg_table *t, unsigned long id, struct mg_connection *c) {
  size_t i;
  if ((t->len + 1) * 2 > t->cap && rmg_table_grow(t) != 0) return -1;
  i = rmg_slot(id, t->cap);
  while (t->keys[i] != 0 && t->keys[i] != id) i = (i + 1) & (t->cap - 1);
  if (t->keys[i] == 0) t->len++;
  t->keys[i] = id;
  t->vals[i] = c;
  return 0;
}

void rmg_table_del(struct rmg_table *t, unsigned long id) {
  size_t i, j, k;
  if (t->cap == 0) return;
  i = rmg_slot(id, t->cap);
  while (t->keys[i] != 0 && t->keys[i] != id) i = (i + 1) & (t->cap - 1);
  if (t->keys[i] == 0) return;
  t->len--;
  /* backward shift: pull later entries of the probe run into the hole */
  j = i;
  for (;;) {
    t->keys[i] = 0;
    t->vals[i] = NULL;
    for (;;) {
      j = (j + 1) & (t->cap - 1);
      if (t->keys[j] == 0) return;
      k = rmg_slot(t->keys[j], t->cap);
      /* can the entry at j move to i? only if k is cyclically outside (i, j] */
      if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) continue;
      break;
    }
    t->keys[i] = t->keys[j];
    t->vals[i] = t->vals[j];
    i = j;
  }
}

struct mg_connection *rmg_table_get(const struct rmg_table *t, unsigned long id) {
  size_t i;
  if (id == 0 || t->cap == 0) return NULL;
  i = rmg_slot(id, t->cap);
  while (t->keys[i] != 0) {
    if (t->keys[i] == id) return t->vals[i];
    i = (i + 1) & (t->cap - 1);
  }
  return NULL;
}
