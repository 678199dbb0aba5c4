/*
 * reactor-mongoose: the HTTP kind. Enforces the request limits (431 head, 413 body, 400
 * malformed) by answering and lingering before the close, bounds pipelined input, and
 * serializes each complete request into an RMG_EV_HTTP_MSG record. Writes no other answer
 * and decides nothing about keep-alive: it reports RMG_HTTP_CLOSE_AFTER and Java decides.
 * No natives; WebSocket connections (upgraded from HTTP) are handed to rmg_ws.c.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* shutdown() under -std=c11 */
#include <string.h>
#include <sys/socket.h>
#include "rmg_jni.h"

/* After answering a rejected request the connection lingers: writes are shut down once the
 * answer is sent, further input is discarded, and it closes when the peer closes or after
 * this long. Closing at once would reset a client that is still uploading, and it would
 * never see the 413/431/400. */
#define RMG_LINGER_MS 2000

/* Answers an unacceptable request (the only answers C writes), discards its input and
 * lingers (rmg_linger) until the peer closes or the deadline passes. */
static void rmg_reject(struct rmg_loop *loop, struct mg_connection *c, int status, const char *why) {
  if (c->data[0] & RMG_CF_REJECTED) return;
  c->data[0] |= RMG_CF_REJECTED | RMG_CF_OUR_DRAIN;
  mg_printf(c,
            "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n%s\n",
            status, rmg_reason_phrase(status), (int) strlen(why) + 1, why);
  c->recv.len = 0;
  c->is_resp = 0;
  c->is_full = 0;
  c->is_draining = 0; /* linger instead: see rmg_linger */
  {
    uint64_t deadline = mg_millis() + RMG_LINGER_MS;
    memcpy(c->data + 8, &deadline, sizeof(deadline));
  }
  rmg_record(&loop->ev, RMG_EV_REJECTED, c->id, status, 0);
}

/* When the head of the request now arriving began (mg_millis, 0: no head in progress), for
 * the request head timeout (408). */
#define RMG_HEAD_T0 24 /* c->data[24..31] */

static uint64_t rmg_head_t0(const struct mg_connection *c) {
  uint64_t t;
  memcpy(&t, c->data + RMG_HEAD_T0, sizeof(t));
  return t;
}

static void rmg_set_head_t0(struct mg_connection *c, uint64_t t) {
  memcpy(c->data + RMG_HEAD_T0, &t, sizeof(t));
}

/* MG_EV_POLL: refuses with 408 a request whose head has been arriving for longer than the
 * listener's head timeout (slow clients such as slowloris; an idle connection is the idle
 * timeout's business, a slow body the application's). */
static void rmg_head_timeout(struct rmg_loop *loop, struct mg_connection *c) {
  const struct rmg_opts *o = (const struct rmg_opts *) c->fn_data;
  uint64_t t0 = rmg_head_t0(c);
  if (t0 != 0 && o->head_timeout_ms > 0 && !c->is_resp && mg_millis() - t0 > o->head_timeout_ms) {
    rmg_reject(loop, c, 408, "request head not received in time");
  }
}

/* MG_EV_READ: a request head has begun when bytes wait that are not yet a whole head (Mongoose
 * took every whole request before this). */
static void rmg_head_begun(struct mg_connection *c) {
  if (rmg_head_t0(c) == 0 && !c->is_resp && c->recv.len > 0 &&
      mg_http_get_request_len(c->recv.buf, c->recv.len) == 0) {
    uint64_t now = mg_millis();
    rmg_set_head_t0(c, now == 0 ? 1 : now);
  }
}

/* MG_EV_POLL of a rejected HTTP connection. */
static void rmg_linger(struct mg_connection *c) {
  uint64_t deadline;
  memcpy(&deadline, c->data + 8, sizeof(deadline));
  if (c->send.len == 0 && !(c->data[0] & RMG_CF_LINGER_SHUT)) {
    shutdown((int) (size_t) c->fd, SHUT_WR);
    c->data[0] |= RMG_CF_LINGER_SHUT;
  }
  c->recv.len = 0;
  if (mg_millis() > deadline) c->is_closing = 1;
}

static size_t rmg_str_size(struct mg_str s) { return 4 + s.len; }

static unsigned char *rmg_put_str(unsigned char *p, struct mg_str s) {
  int32_t n = (int32_t) s.len;
  memcpy(p, &n, 4);
  if (s.len > 0) memcpy(p + 4, s.buf, s.len);
  return p + 4 + s.len;
}

/* Serialized request (payload of RMG_EV_HTTP_MSG, arg = RMG_HTTP_* flags; read only by
 * Java's RequestDecoder): int32 header count, method, uri, query, proto, name/value per
 * header, body; every string is int32 length + bytes. */
static void rmg_emit_request(struct rmg_loop *loop, struct mg_connection *c,
                             struct mg_http_message *hm) {
  size_t i, n = 0, size;
  int32_t nh;
  unsigned char *p;
  int64_t flags = (c->data[0] & RMG_CF_CLOSE_AFTER) ? RMG_HTTP_CLOSE_AFTER : 0;
  struct mg_str uri = rmg_http_origin_form(hm->uri);
  while (n < MG_MAX_HTTP_HEADERS && hm->headers[n].name.len > 0) n++;
  size = 4 + rmg_str_size(hm->method) + rmg_str_size(uri) + rmg_str_size(hm->query) +
         rmg_str_size(hm->proto) + rmg_str_size(hm->body);
  for (i = 0; i < n; i++) size += rmg_str_size(hm->headers[i].name) + rmg_str_size(hm->headers[i].value);
  p = rmg_record(&loop->ev, RMG_EV_HTTP_MSG, c->id, flags, size);
  if (p == NULL) {
    /* Could not hand the request to Java: answer rather than hang. */
    rmg_reject(loop, c, 413, "request could not be buffered");
    return;
  }
  nh = (int32_t) n;
  memcpy(p, &nh, 4);
  p += 4;
  p = rmg_put_str(p, hm->method);
  p = rmg_put_str(p, uri);
  p = rmg_put_str(p, hm->query);
  p = rmg_put_str(p, hm->proto);
  for (i = 0; i < n; i++) {
    p = rmg_put_str(p, hm->headers[i].name);
    p = rmg_put_str(p, hm->headers[i].value);
  }
  rmg_put_str(p, hm->body);
}

static void rmg_check_headers(struct rmg_loop *loop, struct mg_connection *c,
                              struct mg_http_message *hm) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  struct mg_str *cl, *te;
  const char *why = NULL;
  int status;
  if (c->data[0] & RMG_CF_REJECTED) return;
  if ((status = rmg_http_head_check(hm, &why)) != 0) {
    rmg_reject(loop, c, status, why);
    return;
  }
  if (hm->headers[MG_MAX_HTTP_HEADERS - 1].name.len > 0) {
    rmg_reject(loop, c, 431, "too many request headers");
    return;
  }
  if (hm->head.len > o->max_head) {
    if ((size_t) (hm->proto.buf + hm->proto.len - hm->head.buf) > o->max_head) {
      rmg_reject(loop, c, 414, "request target too long");
    } else {
      rmg_reject(loop, c, 431, "request head too large");
    }
    return;
  }
  cl = mg_http_get_header(hm, "Content-Length");
  te = mg_http_get_header(hm, "Transfer-Encoding");
  if (cl != NULL && hm->body.len > o->max_body) { /* chunked: see rmg_http_msg */
    rmg_reject(loop, c, 413, "request body too large");
    return;
  }
  /* Mongoose mis-frames a pipelined request behind a POST/PUT without a length, and
   * ignores Transfer-Encoding on HTTP/1.0: such a connection must not be reused. A fact
   * for Java (RMG_HTTP_CLOSE_AFTER in the request record), which closes after its reply;
   * it stays set for the rest of the connection. */
  if (cl == NULL && (te == NULL || mg_strcasecmp(hm->proto, mg_str("HTTP/1.0")) == 0)) {
    if (mg_strcasecmp(hm->method, mg_str("POST")) == 0 || mg_strcasecmp(hm->method, mg_str("PUT")) == 0 ||
        te != NULL) {
      c->data[0] |= RMG_CF_CLOSE_AFTER;
    }
  }
}

/* Whether recv holds a complete head that Mongoose's parser neither took nor refused: it
 * reports "incomplete" for a request line with a bare CR (skiptorn), so such a request would
 * wait for bytes that never come. */
static int rmg_http_stuck(const struct mg_connection *c) {
  struct mg_http_message hm;
  return mg_http_get_request_len(c->recv.buf, c->recv.len) > 0 &&
         mg_http_parse((const char *) c->recv.buf, c->recv.len, &hm) == 0;
}

static void rmg_http_read(struct rmg_loop *loop, struct mg_connection *c) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  if (c->data[0] & RMG_CF_REJECTED) {
    c->recv.len = 0; /* discard whatever follows a rejected request */
    return;
  }
  if (c->is_draining && !(c->data[0] & RMG_CF_OUR_DRAIN) && c->recv.len == 0 && !c->is_resp) {
    /* http_cb found a malformed request, dropped the input and set is_draining. */
    rmg_reject(loop, c, 400, "malformed request");
    return;
  }
  if (!c->is_resp && c->recv.len > 0 && rmg_http_stuck(c)) {
    rmg_reject(loop, c, 400, "malformed request line");
    return;
  }
  if (c->is_resp) {
    /* A response is pending: bound what pipelined clients may pile up. */
    if (c->recv.len > o->pipeline_limit && !c->is_full) {
      c->data[0] |= RMG_CF_PIPELINE_PAUSED;
      c->is_full = 1;
    }
    return;
  }
  if (c->recv.len >= 8192 && !(c->data[1] & RMG_CF2_PRESIZED)) {
    /* Mongoose grows recv by MG_IO_SIZE per read, copying and zeroing it each time: a
     * 1 MiB body would cost tens of MiB of copying. Size it once from Content-Length
     * (within the limit); done here, after http_cb, so no parsed pointer dangles. */
    struct mg_http_message hm;
    int n = mg_http_parse((const char *) c->recv.buf, c->recv.len, &hm);
    if (n > 0) {
      c->data[1] |= RMG_CF2_PRESIZED;
      if (mg_http_get_header(&hm, "Content-Length") != NULL && hm.body.len <= o->max_body &&
          (size_t) n + hm.body.len > c->recv.size) {
        mg_iobuf_resize(&c->recv, (size_t) n + hm.body.len);
      }
    }
  }
  if (c->recv.len > o->max_head || c->recv.len > o->max_body) {
    int n = mg_http_get_request_len(c->recv.buf, c->recv.len);
    if (n < 0) {
      rmg_reject(loop, c, 400, "malformed request");
    } else if (n == 0) {
      /* no line end within the limit: the request line itself is too long */
      if (memchr(c->recv.buf, '\n', o->max_head < c->recv.len ? o->max_head : c->recv.len) == NULL) {
        rmg_reject(loop, c, 414, "request target too long");
      } else {
        rmg_reject(loop, c, 431, "request head too large");
      }
    } else if (c->recv.len - (size_t) n > o->max_body + o->max_body / 8 + 1024) {
      /* chunked body still arriving: bound its encoded size (framing adds a few bytes
       * per chunk); the exact decoded size is checked at MG_EV_HTTP_MSG (rmg_http_msg) */
      rmg_reject(loop, c, 413, "request body too large");
    }
  }
}

/* A complete request (MG_EV_HTTP_MSG; chunked bodies are decoded by now). The one exact
 * check of the body limit: a Content-Length body was already refused at its headers, so
 * this catches the decoded body of a chunked request. */
static void rmg_http_msg(struct rmg_loop *loop, struct mg_connection *c, struct mg_http_message *hm) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  if (c->data[0] & RMG_CF_REJECTED) return;
  if (c->is_accepted && hm->body.len > o->max_body) {
    rmg_reject(loop, c, 413, "request body too large");
    return;
  }
  rmg_emit_request(loop, c, hm);
}

static void rmg_http_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  if (c->is_listening) return;
  if (c->is_websocket) {
    rmg_ws_event(loop, c, ev, ev_data);
    return;
  }
  switch (ev) {
    case MG_EV_POLL:
      if (c->data[0] & RMG_CF_REJECTED) {
        rmg_linger(c);
      } else if (c->is_accepted) {
        rmg_head_timeout(loop, c);
      }
      break;
    case MG_EV_WRITE: /* the refusal is out: shut down writes now, not at the next poll */
      if (c->data[0] & RMG_CF_REJECTED) rmg_linger(c);
      break;
    case MG_EV_READ:
      rmg_http_read(loop, c);
      if (c->is_accepted && !(c->data[0] & RMG_CF_REJECTED)) rmg_head_begun(c);
      break;
    case MG_EV_HTTP_HDRS:
      rmg_set_head_t0(c, 0);
      if (c->is_accepted) rmg_check_headers(loop, c, (struct mg_http_message *) ev_data);
      break;
    case MG_EV_HTTP_MSG:
      c->data[1] &= (char) ~RMG_CF2_PRESIZED;
      rmg_http_msg(loop, c, (struct mg_http_message *) ev_data);
      break;
    default:
      break;
  }
}

/* Mongoose's HTTP parser (http_cb, static in mongoose.c); the same address for every loop. */
static mg_event_handler_t s_http_cb;

static void rmg_http_ignore(struct mg_connection *c, int ev, void *ev_data) {
  (void) c, (void) ev, (void) ev_data;
}

/* A listener on a shared port gets the parser that mg_http_listen would have installed. Its
 * address is taken once from a throw-away mg_http_listen on 127.0.0.1, port 0, closed at the
 * next poll (its handler ignores every event, so Java never hears of it). */
static int rmg_http_adopt(struct mg_connection *lsn) {
  mg_event_handler_t cb = __atomic_load_n(&s_http_cb, __ATOMIC_ACQUIRE);
  if (cb == NULL) {
    struct mg_connection *t = mg_http_listen(lsn->mgr, "http://127.0.0.1:0", rmg_http_ignore, NULL);
    if (t == NULL) return -1;
    cb = t->pfn;
    t->is_closing = 1;
    __atomic_store_n(&s_http_cb, cb, __ATOMIC_RELEASE);
  }
  lsn->pfn = cb;
  return 0;
}

/* mg_http_listen installs Mongoose's HTTP parser (http_cb) as the listener's pfn. */
const struct rmg_kind rmg_http_kind = {rmg_http_event, mg_http_listen, rmg_http_adopt};
