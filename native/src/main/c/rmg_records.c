/*
 * reactor-mongoose: the event arena and the encoding of records and addresses
 * (no JNI; layout in rmg_records.h; Java peer: internal/jni/EventRecords).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <string.h>
#include "mongoose.h"
#include "rmg_alloc.h"
#include "rmg_records.h"

#define RMG_ARENA_INITIAL (256 * 1024)
#define RMG_ARENA_KEEP (4 * 1024 * 1024) /* a larger arena is given back at the next poll */

int rmg_arena_init(struct rmg_arena *a) {
  memset(a, 0, sizeof(*a));
  a->buf = (unsigned char *) rmg_alloc(RMG_ARENA_INITIAL);
  if (a->buf == NULL) return -1;
  a->cap = RMG_ARENA_INITIAL;
  return 0;
}

void rmg_arena_free(struct rmg_arena *a) {
  rmg_free(a->buf);
  memset(a, 0, sizeof(*a));
}

void rmg_arena_reset(struct rmg_arena *a) {
  a->len = 0;
  a->moved = 0;
  a->lost = 0;
  if (a->cap > RMG_ARENA_KEEP) {
    unsigned char *q = (unsigned char *) rmg_alloc(RMG_ARENA_INITIAL);
    if (q != NULL) {
      rmg_free(a->buf);
      a->buf = q;
      a->cap = RMG_ARENA_INITIAL;
      a->moved = 1;
    }
  }
}

int64_t rmg_arena_result(const struct rmg_arena *a) {
  int64_t r = (int64_t) a->len;
  if (a->moved) r |= RMG_POLL_ARENA_MOVED;
  if (a->lost) r |= RMG_POLL_RECORD_LOST;
  return r;
}

/* Grows the arena (doubling) until need more bytes fit; 0 (a->lost set) when out of memory. */
static int rmg_arena_room(struct rmg_arena *a, size_t need) {
  size_t cap;
  unsigned char *q;
  if (a->len + need <= a->cap) return 1;
  cap = a->cap > 0 ? a->cap * 2 : RMG_ARENA_INITIAL;
  while (cap < a->len + need) cap *= 2;
  q = (unsigned char *) rmg_realloc(a->buf, a->cap, cap);
  if (q == NULL) {
    a->lost = 1;
    return 0;
  }
  a->buf = q;
  a->cap = cap;
  a->moved = 1;
  return 1;
}

unsigned char *rmg_record(struct rmg_arena *a, int type, unsigned long id, int64_t arg,
                          size_t payload_len) {
  size_t need;
  unsigned char *p;
  int32_t t32 = type, l32;
  int64_t id64 = (int64_t) id;
  /* Java reads lengths and offsets as int: keep every record and the total below 2 GiB */
  if (payload_len > (size_t) INT32_MAX - 64) {
    a->lost = 1;
    return NULL;
  }
  need = RMG_RECORD_HEADER +
         ((payload_len + RMG_RECORD_ALIGN - 1) & ~(size_t) (RMG_RECORD_ALIGN - 1));
  if (a->len + need > (size_t) INT32_MAX) {
    a->lost = 1;
    return NULL;
  }
  if (!rmg_arena_room(a, need)) return NULL;
  p = a->buf + a->len;
  l32 = (int32_t) payload_len;
  memcpy(p + RMG_REC_TYPE, &t32, 4);
  memcpy(p + RMG_REC_LENGTH, &l32, 4);
  memcpy(p + RMG_REC_ID, &id64, 8);
  memcpy(p + RMG_REC_ARG, &arg, 8);
  a->len += need;
  return p + RMG_RECORD_HEADER;
}

int rmg_arena_take(struct rmg_arena *dst, struct rmg_arena *src) {
  int rc = 0;
  if (src->len == 0) return 0;
  if (dst->len + src->len > (size_t) INT32_MAX || !rmg_arena_room(dst, src->len)) {
    dst->lost = 1;
    rc = -1;
  } else {
    memcpy(dst->buf + dst->len, src->buf, src->len);
    dst->len += src->len;
  }
  if (src->lost) dst->lost = 1;
  rmg_arena_reset(src);
  return rc;
}

int rmg_record_bytes(struct rmg_arena *a, int type, unsigned long id, int64_t arg,
                     const void *buf, size_t len) {
  unsigned char *p = rmg_record(a, type, id, arg, len);
  if (p == NULL) return -1;
  if (len > 0) memcpy(p, buf, len);
  return 0;
}

void rmg_record_error(struct rmg_arena *a, const struct mg_connection *c, int kind, int err, const char *msg) {
  (void) rmg_record_bytes(a, RMG_EV_ERROR, c->id, RMG_ERROR_ARG(kind, err), msg, strlen(msg));
}

void rmg_put_addr(unsigned char *p, const struct mg_addr *addr) {
  memset(p, 0, RMG_ADDR_SIZE);
  p[RMG_ADDR_FAMILY] = addr->is_ip6 ? RMG_ADDR_IPV6 : RMG_ADDR_IPV4;
  memcpy(p + RMG_ADDR_PORT, &addr->port, 2); /* network order */
  memcpy(p + RMG_ADDR_IP, addr->addr.ip, 16);
}

void rmg_record_addrs(struct rmg_arena *a, int type, const struct mg_connection *c, int64_t arg) {
  unsigned char *p = rmg_record(a, type, c->id, arg, 2 * RMG_ADDR_SIZE);
  if (p != NULL) {
    rmg_put_addr(p, &c->loc);
    rmg_put_addr(p + RMG_ADDR_SIZE, &c->rem);
  }
}
