/*
 * reactor-mongoose: the raw TCP kind: received bytes go up as READ records, and a
 * connection whose send buffer emptied reports DRAINED (Java peer: internal.tcp, through the
 * records). A connection in its close wait (ConnNative.closeWait: the WebSocket client after
 * its close frame) closes by rmg_close_wait's rule. UDP has its own kind in rmg_udp.c.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "rmg_jni.h"

/* Moves everything received into one READ record. */
static void rmg_raw_read(struct rmg_loop *loop, struct mg_connection *c) {
  if (c->recv.len > 0 && !c->is_listening &&
      rmg_record_bytes(&loop->ev, RMG_EV_READ, c->id, 0, c->recv.buf, c->recv.len) == 0) {
    c->recv.len = 0;
  } /* else: stays in recv, retried on the next MG_EV_POLL */
}

static void rmg_tcp_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  if (ev == MG_EV_WRITE) {
    if (c->send.len == 0) {
      long written = ev_data == NULL ? 0 : *(long *) ev_data; /* by this write */
      rmg_record(&loop->ev, RMG_EV_DRAINED, c->id, written, 0);
    }
  } else if (ev == MG_EV_READ || ev == MG_EV_POLL) {
    rmg_raw_read(loop, c);
  }
  if ((ev == MG_EV_WRITE || ev == MG_EV_POLL) && (c->data[0] & RMG_CF_REJECTED) && !c->is_listening) {
    rmg_close_wait(c);
  }
}

const struct rmg_kind rmg_tcp_kind = {rmg_tcp_event, NULL, NULL};
