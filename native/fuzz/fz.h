/*
 * reactor-mongoose fuzzing: helpers shared by the libFuzzer targets. They drive the glue the
 * way the poll loop does, without a JVM: a real struct rmg_loop (rmg_loop_new), a listener of
 * the wanted kind, accepted connections whose peer is the other end of a socketpair (so
 * Mongoose's own read/write path runs), rmg_loop_poll_once, and the non-JNI cores of the
 * natives (rmg_conn_write, rmg_conn_control_ops, rmg_ws_upgrade_conn, rmg_ws_send_frame).
 * Every poll's records are checked (fz_check_records): a violated invariant aborts, which
 * libFuzzer reports as a crash with a reproducer.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#ifndef FZ_H
#define FZ_H

#include <stddef.h>
#include <stdint.h>
#include "rmg_jni.h"

#define FZ_MAX_RECS 256

/* One record seen by the last fz_poll. */
struct fz_rec {
  int type;
  uint64_t id;
  int64_t arg;
};

struct fz_polled {
  struct fz_rec recs[FZ_MAX_RECS];
  int n; /* records kept (at most FZ_MAX_RECS; all were checked) */
};

/* Aborts with a message: an invariant of the glue does not hold. */
#define FZ_ASSERT(cond, ...)                                          \
  do {                                                                \
    if (!(cond)) fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);    \
  } while (0)
void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* Once per process: kinds registered as JNI_OnLoad does, Mongoose's log silenced. */
void fz_init(void);
/* A loop as LoopNative.create makes it (low water 0). */
struct rmg_loop *fz_loop(void);
/* Destroys the loop and checks that the glue's own allocations are all back. */
void fz_loop_free(struct rmg_loop *loop);
/* A listener on 127.0.0.1, port 0, of kind RMG_KIND_HTTP or RMG_KIND_TCP; returns its id. */
long fz_listen(struct rmg_loop *loop, int kind, int64_t max_body, int max_head, int max_ws_frame,
               int pipeline_limit);
/* An accepted connection of the listener, as Mongoose's accept_conn makes it, whose peer is
 * the other end of a socketpair (*peer, non-blocking). Returns its id, or 0. */
long fz_accept(struct rmg_loop *loop, long listener_id, int *peer);
/* One LoopNative.poll (0 ms) plus the record checks. */
void fz_poll(struct rmg_loop *loop, struct fz_polled *out);
/* Validates the arena after a poll (every record inside it, known type, sane payload). */
void fz_check_records(struct rmg_loop *loop, int64_t result, struct fz_polled *out);
/* Writes what fits of buf to the non-blocking fd; returns bytes written (0 on EAGAIN). */
size_t fz_write(int fd, const uint8_t *buf, size_t len);
/* Reads and discards what the peer has received; returns -1 once the glue closed. */
long fz_drain(int fd);
/* Whether the loop still has the connection in its table. */
int fz_alive(struct rmg_loop *loop, long id);

/* Acts as Java on one record of the driven connection; poll counts the polls so far. */
typedef void (*fz_on_record)(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx);

/* Drives connection id as its client: writes data into peer in segments of seg bytes, polls
 * after each, hands the connection's records (CLOSE aside) to on_record, until the connection
 * closed or nothing moved for a few polls; if it is still open, the client then goes away and
 * the connection must close. Closes peer. */
void fz_drive(struct rmg_loop *loop, long id, int peer, const uint8_t *data, size_t size, size_t seg,
              fz_on_record on_record, void *ctx);

#endif
