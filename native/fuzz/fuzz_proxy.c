/*
 * Fuzz target (g): the PROXY protocol header in front of accepted connections (rmg_proxy.c):
 * rmg_proxy_parse on its own, then the whole path on a listener that expects a header (the
 * guard standing in for the protocol handler, the ACCEPT record held back until the header is
 * in, the header taken out of recv, the remote address replaced, the handler put back).
 *
 * Input: byte 0 picks the mode (bit 0: RMG_PROXY_AUTO, else RMG_PROXY_ON) and the kind (bit 1:
 * TCP, else HTTP), byte 1 how the rest is cut into writes; the rest is what the client sends
 * (a header or not, then a request or raw bytes). Acting as Java, the driver answers every
 * HTTP request with a small response + RMG_OP_HTTP_END and checks that nothing of the connection is recorded before its
 * ACCEPT, that ACCEPT comes at most once, that the parser agrees with what happened, and that
 * the listener's count of connections awaiting a header (its maxConnections bound) is exact.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "fz.h"

static const char s_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

struct fz_proxy {
  int accepted; /* ACCEPT records of the connection */
};

static void fz_proxy_answer(struct rmg_loop *loop, long id, const struct fz_rec *r, int poll, void *ctx) {
  struct fz_proxy *p = (struct fz_proxy *) ctx;
  (void) poll;
  if (r->type == RMG_EV_ACCEPT) {
    FZ_ASSERT(++p->accepted == 1, "ACCEPT recorded %d times", p->accepted);
    return;
  }
  if (r->type == RMG_EV_ERROR) return; /* may come for a connection Java never heard of */
  FZ_ASSERT(p->accepted == 1, "record type %d before the connection's ACCEPT", r->type);
  if (r->type == RMG_EV_HTTP_MSG) {
    jlong rc = rmg_conn_write(loop, (jlong) id, s_resp, sizeof(s_resp) - 1, RMG_OP_HTTP_END);
    FZ_ASSERT(rc >= 0 || rc == RMG_ERR_CLOSING || (rc == RMG_ERR_NO_CONN && !fz_alive(loop, id)),
              "send to a live request's connection: %lld", (long long) rc);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct rmg_loop *loop;
  struct mg_addr src;
  struct fz_proxy p = {0};
  size_t seg;
  long lsn, id;
  int peer = -1, has_src = 0, r, mode, kind;
  if (size < 2) return 0;
  /* the parser alone: a verdict, and a length within what it was given */
  r = rmg_proxy_parse(data + 2, size - 2, &src, &has_src);
  FZ_ASSERT(r == RMG_PROXY_MORE || r == RMG_PROXY_BAD || r == RMG_PROXY_NONE || (r > 0 && (size_t) r <= size - 2),
            "parse verdict %d for %zu bytes", r, size - 2);
  FZ_ASSERT(r > 0 || !has_src, "a source address without a header");
  FZ_ASSERT(r <= RMG_PROXY_V2_MAX, "header of %d bytes", r);

  mode = (data[0] & 1) ? RMG_PROXY_AUTO : RMG_PROXY_ON;
  kind = (data[0] & 2) ? RMG_KIND_TCP : RMG_KIND_HTTP;
  loop = fz_loop();
  lsn = fz_listen(loop, kind, 1024 * 1024, 16 * 1024, 64 * 1024, 64 * 1024);
  FZ_ASSERT(rmg_loop_proxy_protocol(loop, lsn, mode, 0) == 0, "proxy mode refused");
  FZ_ASSERT(rmg_loop_proxy_protocol(loop, lsn, 3, 0) == RMG_ERR_BAD_ARG, "mode 3 accepted");
  id = fz_accept(loop, lsn, &peer);
  FZ_ASSERT(id > 0, "accept failed");
  seg = data[1] == 0 ? (size_t) -1 : (size_t) data[1] * 3 + 1;
  fz_drive(loop, id, peer, data + 2, size - 2, seg, fz_proxy_answer, &p);
  {
    /* the listener counts exactly the connection that still awaits its header (bound of
     * maxConnections), whether it was closed, is Java's or awaits more */
    struct mg_connection *c = rmg_conn(loop, id);
    unsigned awaiting = c != NULL && c->data[RMG_PROXY_STATE] == RMG_PROXY_PENDING ? 1u : 0u;
    FZ_ASSERT(loop->opts->proxy_pending == awaiting, "%u awaiting, counted %u", awaiting,
              loop->opts->proxy_pending);
  }
  /* a whole, valid header (or, under AUTO, bytes that begin none) always makes the connection
   * Java's; a malformed one never does */
  if (r > 0 || (r == RMG_PROXY_NONE && mode == RMG_PROXY_AUTO)) {
    FZ_ASSERT(p.accepted == 1, "verdict %d, mode %d, but no ACCEPT", r, mode);
  } else if (r == RMG_PROXY_BAD || r == RMG_PROXY_NONE) {
    FZ_ASSERT(p.accepted == 0, "verdict %d, mode %d, yet ACCEPT", r, mode);
  }
  fz_loop_free(loop);
  return 0;
}
