/*
 * Fuzz target (a): HTTP request heads and bodies (Content-Length, chunked, pipelined) through
 * the HTTP kind (rmg_http.c) and Mongoose's http_cb, including our limits (431, 413, 400,
 * the pipelining bound), the lingering close, and streamed bodies (rmg_body_*: pieces taken
 * out of recv, chunked framing decoded in C, the parser put back for the next request).
 *
 * Input: byte 0 picks the listener's limits (bits 0-4), when a streamed request is answered
 * (bit 5: at its head, as a handler that ignores the body, or at its end) and whether reading
 * pauses at the first body piece and stays paused (bit 6: the client then leaves while
 * paused); byte 1 how the rest is cut into writes (as a client's segments arrive); the rest is
 * the byte stream the client sends. Acting as Java, the driver answers with a small response +
 * RMG_OP_HTTP_END, so pipelined requests are parsed in turn, and checks the order of the records: a streamed head, then BODY pieces,
 * then one END, and no other request in between.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "fz.h"

static const char s_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct fz_http {
  int last_poll;      /* poll of the last request answered */
  int answer_at_end;  /* a streamed request is answered at its END, not at its head */
  int pause;          /* pause reading at the first body piece, for good */
  int streaming;      /* a streamed head came, its END not yet */
  int64_t pending;    /* flags of the streamed request to answer at its END, or -1 */
};

static void fz_http_reply(struct rmg_loop *loop, long id) {
  jlong rc = rmg_conn_write(loop, (jlong) id, s_resp, sizeof(s_resp) - 1, RMG_OP_HTTP_END);
  FZ_ASSERT(rc >= 0 || rc == RMG_ERR_CLOSING || (rc == RMG_ERR_NO_CONN && !fz_alive(loop, id)),
            "send to a live request's connection: %lld", (long long) rc);
}

/* Answers every request, one per poll at most (http_cb parses no further request while one
 * is unanswered: is_resp), with + RMG_OP_HTTP_END. */
static void fz_http_answer(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx) {
  struct fz_http *h = (struct fz_http *) ctx;
  if (r->type == RMG_EV_HTTP_BODY) {
    FZ_ASSERT(h->streaming, "HTTP_BODY without a streamed request");
    if (h->pause) rmg_conn_control_ops(loop, (jlong) id, RMG_OP_PAUSE);
    return;
  }
  if (r->type == RMG_EV_HTTP_END) {
    FZ_ASSERT(h->streaming, "HTTP_END without a streamed request");
    h->streaming = 0;
    if (h->pending >= 0) fz_http_reply(loop, id);
    h->pending = -1;
    return;
  }
  if (r->type == RMG_EV_REJECTED) {
    h->streaming = 0; /* the body ends here: nothing of it follows */
    h->pending = -1;
    return;
  }
  if (r->type != RMG_EV_HTTP_MSG) return;
  FZ_ASSERT(!h->streaming, "a request recorded while the body of the previous one streams");
  FZ_ASSERT(h->last_poll != poll, "two requests recorded in one poll before the first was answered");
  h->last_poll = poll;
  if ((r->arg & RMG_HTTP_STREAMED) != 0) {
    h->streaming = 1;
    if (h->answer_at_end) {
      h->pending = r->arg;
      return;
    }
  }
  fz_http_reply(loop, id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const int64_t bodies[4] = {0, 16, 1024, 1024 * 1024};
  static const int heads[4] = {64, 512, 16 * 1024, 64 * 1024};
  static const int pipes[2] = {64, 64 * 1024};
  struct rmg_loop *loop;
  size_t seg;
  long lsn, id;
  int peer = -1;
  struct fz_http h = {-1, 0, 0, 0, -1};
  if (size < 2) return 0;
  loop = fz_loop();
  lsn = fz_listen(loop, RMG_KIND_HTTP, bodies[data[0] & 3], heads[(data[0] >> 2) & 3],
                  64 * 1024, pipes[(data[0] >> 4) & 1]);
  if (data[0] & 0x80) { /* httpRequestDecoder's request line limit */
    FZ_ASSERT(rmg_loop_listener_rules(loop, lsn, 0, 40, 0, 0) == 0, "listener rules refused");
  }
  id = fz_accept(loop, lsn, &peer);
  FZ_ASSERT(id > 0, "accept failed");
  h.answer_at_end = (data[0] >> 5) & 1;
  h.pause = (data[0] >> 6) & 1;
  seg = data[1] == 0 ? (size_t) -1 : (size_t) data[1] * 7 + 1; /* bytes per write */
  fz_drive(loop, id, peer, data + 2, size - 2, seg, fz_http_answer, &h);
  fz_loop_free(loop);
  return 0;
}
