/*
 * Fuzz target (a): HTTP request heads and bodies (Content-Length, chunked, pipelined) through
 * the HTTP kind (rmg_http.c) and Mongoose's http_cb, including our limits (431, 413, 400,
 * the pipelining bound) and the lingering close.
 *
 * Input: byte 0 picks the listener's limits, byte 1 how the rest is cut into writes (as a
 * client's segments arrive), the rest is the byte stream the client sends. Acting as Java,
 * the driver answers every HTTP_MSG with a small response + RMG_OP_HTTP_END (+ DRAIN when the
 * record says RMG_HTTP_CLOSE_AFTER), so pipelined requests are parsed in turn.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <unistd.h>
#include "fz.h"

static const char s_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int64_t bodies[4] = {0, 16, 1024, 1024 * 1024};
  static const int heads[4] = {64, 512, 16 * 1024, 64 * 1024};
  static const int pipes[2] = {64, 64 * 1024};
  struct rmg_loop *loop;
  struct fz_polled pr;
  size_t sent = 0, seg;
  long lsn, id;
  int peer = -1, i, idle = 0, closed = 0;
  if (size < 2) return 0;
  loop = fz_loop();
  lsn = fz_listen(loop, RMG_KIND_HTTP, bodies[data[0] & 3], heads[(data[0] >> 2) & 3],
                  64 * 1024, pipes[(data[0] >> 4) & 1]);
  id = fz_accept(loop, lsn, &peer);
  FZ_ASSERT(id > 0, "accept failed");
  seg = data[1] == 0 ? (size_t) -1 : (size_t) data[1] * 7 + 1; /* bytes per write */
  data += 2;
  size -= 2;
  for (i = 0; i < 400 && !closed; i++) {
    int j, progress = 0, msgs = 0;
    if (sent < size) {
      size_t n = fz_write(peer, data + sent, size - sent < seg ? size - sent : seg);
      sent += n;
      progress |= n > 0;
    }
    fz_poll(loop, &pr);
    for (j = 0; j < pr.n; j++) {
      const struct fz_rec *r = &pr.recs[j];
      progress = 1;
      if ((long) r->id != id) continue;
      if (r->type == RMG_EV_HTTP_MSG) {
        jint ops = RMG_OP_HTTP_END | ((r->arg & RMG_HTTP_CLOSE_AFTER) ? RMG_OP_DRAIN : 0);
        jlong rc;
        /* http_cb parses no further request while one is unanswered (is_resp) */
        FZ_ASSERT(++msgs == 1, "two requests recorded in one poll before the first was answered");
        rc = rmg_conn_write(loop, (jlong) id, s_resp, sizeof(s_resp) - 1, ops);
        FZ_ASSERT(rc >= 0 || rc == RMG_ERR_CLOSING || (rc == RMG_ERR_NO_CONN && !fz_alive(loop, id)), "send to a live request's connection: %lld",
                  (long long) rc);
      } else if (r->type == RMG_EV_CLOSE) {
        closed = 1;
      }
    }
    if (fz_drain(peer) > 0) progress = 1;
    if (sent >= size) {
      idle = progress ? 0 : idle + 1;
      if (idle > 3) break; /* nothing moves any more */
    }
  }
  if (!closed) {
    /* the peer goes away: the connection must close, its records stay well-formed */
    close(peer);
    peer = -1;
    for (i = 0; i < 50 && fz_alive(loop, id); i++) fz_poll(loop, &pr);
  }
  if (peer >= 0) close(peer);
  fz_loop_free(loop);
  return 0;
}
