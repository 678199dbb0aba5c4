/*
 * reactor-mongoose: the raw TCP kind: received bytes go up as READ records, and a
 * connection whose send buffer emptied reports DRAINED (Java peer: internal.tcp, through the
 * records). A connection in its close wait (ConnNative.closeWait: the WebSocket client after
 * its close frame) closes by rmg_close_wait's rule. A connection Java opened to half-close
 * (RMG_OP_HALF_CLOSE) outlives its peer's FIN: rmg_tcp_eof. Java may shut down our own sending side
 * (RMG_OP_SHUT_WR, shutdownOutput) once the output before it is out: rmg_raw_shut. UDP has its
 * own kind in rmg_udp.c.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <sys/socket.h>
#include "rmg_jni.h"

/* Moves everything received into one READ record. */
static void rmg_raw_read(struct rmg_loop *loop, struct mg_connection *c) {
  if (c->recv.len > 0 && !c->is_listening &&
      rmg_record_bytes(&loop->ev, RMG_EV_READ, c->id, 0, c->recv.buf, c->recv.len) == 0) {
    c->recv.len = 0;
  } /* else: stays in recv, retried on the next MG_EV_POLL */
}

/* RMG_EV_READ_END once the peer's FIN was read and every byte before it went up as READ. A
 * record that could not be written (the bytes before it neither) is retried at the next
 * MG_EV_POLL. */
static void rmg_raw_eof(struct rmg_loop *loop, struct mg_connection *c) {
  if ((c->data[RMG_HALF_CLOSE] & (RMG_HC_EOF | RMG_HC_REPORTED)) == RMG_HC_EOF && c->recv.len == 0 &&
      rmg_record(&loop->ev, RMG_EV_READ_END, c->id, 0, 0) != NULL) {
    c->data[RMG_HALF_CLOSE] |= RMG_HC_REPORTED;
  }
}

/* Hook 51 (hook-mongoose.sh): the socket read of c returned 0, the peer's FIN. 1 when c is a
 * plain connection Java opened to half-close: its reading stops for good (is_full: hook 11 then
 * takes EPOLLIN out, so a socket that stays readable at its end does not wake the loop), Java
 * hears RMG_EV_READ_END after the bytes before it, and the connection stays open for output
 * until Java drains or closes it (or the peer resets it: EPOLLERR is always asked for). 0 for
 * every other connection, which the FIN closes as before. */
int rmg_tcp_eof(struct mg_connection *c) {
  struct rmg_loop *loop = (struct rmg_loop *) c->mgr;
  if (!(c->data[RMG_HALF_CLOSE] & RMG_HC_ON) || c->is_tls) return 0;
  c->data[RMG_HALF_CLOSE] |= RMG_HC_EOF;
  c->is_full = 1;
  rmg_raw_read(loop, c);
  rmg_raw_eof(loop, c);
  if (!(c->data[RMG_HALF_CLOSE] & RMG_HC_REPORTED)) loop->poll_now = 1; /* retried at the next poll */
  return 1;
}

/* Our side's half-close (RMG_OP_SHUT_WR, Java's shutdownOutput): once every byte written before
 * it has left the glue (c->send and the queue empty: rmg_send_pending), shutdown(SHUT_WR) puts
 * the FIN behind what the kernel holds, and Java hears RMG_EV_WRITE_END. Reading goes on; the
 * peer's FIN then closes the connection as always (with RMG_OP_HALF_CLOSE it ends only the
 * reading: rmg_tcp_eof). A shutdown that fails (the peer reset the connection) closes it, as a
 * failed send does. A record that could not be written is retried at the next MG_EV_POLL. */
static void rmg_raw_shut(struct rmg_loop *loop, struct mg_connection *c) {
  if (!(c->data[RMG_HALF_CLOSE] & RMG_HC_SHUT) || c->is_closing) return;
  if (!(c->data[RMG_HALF_CLOSE] & RMG_HC_SHUT_DONE)) {
    if (rmg_send_pending(c) > 0 || c->is_connecting || c->is_resolving) return; /* at MG_EV_WRITE, or a later MG_EV_POLL */
    if (shutdown((int) (size_t) c->fd, SHUT_WR) != 0) {
      c->is_closing = 1;
      return;
    }
    c->data[RMG_HALF_CLOSE] |= RMG_HC_SHUT_DONE;
  }
  if (!(c->data[RMG_HALF_CLOSE] & RMG_HC_SHUT_REPORTED)) {
    if (rmg_record(&loop->ev, RMG_EV_WRITE_END, c->id, 0, 0) != NULL) {
      c->data[RMG_HALF_CLOSE] |= RMG_HC_SHUT_REPORTED;
    } else {
      loop->poll_now = 1;
    }
  }
}

static void rmg_tcp_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  if (ev == MG_EV_WRITE) {
    if (c->send.len == 0) {
      long written = ev_data == NULL ? 0 : *(long *) ev_data; /* by this write */
      rmg_record(&loop->ev, RMG_EV_DRAINED, c->id, written, 0);
    }
  } else if (ev == MG_EV_READ || ev == MG_EV_POLL) {
    rmg_raw_read(loop, c);
    rmg_raw_eof(loop, c);
  }
  if (ev == MG_EV_WRITE || ev == MG_EV_POLL) rmg_raw_shut(loop, c);
  if ((ev == MG_EV_WRITE || ev == MG_EV_POLL) && (c->data[0] & RMG_CF_REJECTED) && !c->is_listening) {
    rmg_close_wait(c);
  }
}

const struct rmg_kind rmg_tcp_kind = {rmg_tcp_event, NULL, NULL};
