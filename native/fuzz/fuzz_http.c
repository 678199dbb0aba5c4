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
#include "fz.h"

static const char s_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

/* Answers every request, one per poll at most (http_cb parses no further request while one
 * is unanswered: is_resp), with + RMG_OP_HTTP_END, + DRAIN when the framing was unsafe. */
static void fz_http_answer(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx) {
  int *last_poll = (int *) ctx;
  jint ops;
  jlong rc;
  if (r->type != RMG_EV_HTTP_MSG) return;
  FZ_ASSERT(*last_poll != poll, "two requests recorded in one poll before the first was answered");
  *last_poll = poll;
  ops = RMG_OP_HTTP_END | ((r->arg & RMG_HTTP_CLOSE_AFTER) ? RMG_OP_DRAIN : 0);
  rc = rmg_conn_write(loop, (jlong) id, s_resp, sizeof(s_resp) - 1, ops);
  FZ_ASSERT(rc >= 0 || rc == RMG_ERR_CLOSING || (rc == RMG_ERR_NO_CONN && !fz_alive(loop, id)),
            "send to a live request's connection: %lld", (long long) rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int64_t bodies[4] = {0, 16, 1024, 1024 * 1024};
  static const int heads[4] = {64, 512, 16 * 1024, 64 * 1024};
  static const int pipes[2] = {64, 64 * 1024};
  struct rmg_loop *loop;
  size_t seg;
  long lsn, id;
  int peer = -1, last_poll = -1;
  if (size < 2) return 0;
  loop = fz_loop();
  lsn = fz_listen(loop, RMG_KIND_HTTP, bodies[data[0] & 3], heads[(data[0] >> 2) & 3],
                  64 * 1024, pipes[(data[0] >> 4) & 1]);
  id = fz_accept(loop, lsn, &peer);
  FZ_ASSERT(id > 0, "accept failed");
  seg = data[1] == 0 ? (size_t) -1 : (size_t) data[1] * 7 + 1; /* bytes per write */
  fz_drive(loop, id, peer, data + 2, size - 2, seg, fz_http_answer, &last_poll);
  fz_loop_free(loop);
  return 0;
}
