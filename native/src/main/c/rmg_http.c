/*
 * reactor-mongoose: HTTP and WebSocket parts of the event handler, request
 * limits, and the WebSocket commands (peer: HttpNative).
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


/* Answers an unacceptable request, discards its input and closes after the write. */
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
  rmg_record(loop, RMG_EV_REJECTED, c->id, status, 0);
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

/* Serialized request: int32 header count, method, uri, query, proto,
 * name/value per header, body; every string is int32 length + bytes. */
static void rmg_emit_request(struct rmg_loop *loop, struct mg_connection *c,
                             struct mg_http_message *hm) {
  size_t i, n = 0, size;
  int32_t nh;
  unsigned char *p;
  int64_t flags = (c->data[0] & RMG_CF_CLOSE_AFTER) ? RMG_HTTP_CLOSE_AFTER : 0;
  while (n < MG_MAX_HTTP_HEADERS && hm->headers[n].name.len > 0) n++;
  size = 4 + rmg_str_size(hm->method) + rmg_str_size(hm->uri) + rmg_str_size(hm->query) +
         rmg_str_size(hm->proto) + rmg_str_size(hm->body);
  for (i = 0; i < n; i++) size += rmg_str_size(hm->headers[i].name) + rmg_str_size(hm->headers[i].value);
  p = rmg_record(loop, RMG_EV_HTTP_MSG, c->id, flags, size);
  if (p == NULL) {
    /* Could not hand the request to Java: answer rather than hang. */
    rmg_reject(loop, c, 413, "request could not be buffered");
    return;
  }
  nh = (int32_t) n;
  memcpy(p, &nh, 4);
  p += 4;
  p = rmg_put_str(p, hm->method);
  p = rmg_put_str(p, hm->uri);
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
  if (c->data[0] & RMG_CF_REJECTED) return;
  if (hm->headers[MG_MAX_HTTP_HEADERS - 1].name.len > 0) {
    rmg_reject(loop, c, 431, "too many request headers");
    return;
  }
  if (hm->head.len > o->max_head) {
    rmg_reject(loop, c, 431, "request head too large");
    return;
  }
  cl = mg_http_get_header(hm, "Content-Length");
  te = mg_http_get_header(hm, "Transfer-Encoding");
  if (cl != NULL && hm->body.len > o->max_body) {
    rmg_reject(loop, c, 413, "request body too large");
    return;
  }
  /* Mongoose mis-frames a pipelined request behind a POST/PUT without a
   * length, and ignores Transfer-Encoding on HTTP/1.0: never keep such a
   * connection alive. */
  if (cl == NULL && (te == NULL || mg_strcasecmp(hm->proto, mg_str("HTTP/1.0")) == 0)) {
    if (mg_strcasecmp(hm->method, mg_str("POST")) == 0 || mg_strcasecmp(hm->method, mg_str("PUT")) == 0 ||
        te != NULL) {
      c->data[0] |= RMG_CF_CLOSE_AFTER;
    }
  }
}

/* Mongoose's WebSocket protocol handler (static in mongoose.c), taken from c->pfn after
 * the first upgrade; rmg_ws_guard runs in front of it. */
static mg_event_handler_t s_ws_cb;

/* Closes with 1009, stops parsing (pfn = NULL) and discards whatever else arrives. */
static void rmg_ws_reject(struct rmg_loop *loop, struct mg_connection *c) {
  static const char close_too_big[] = {0x03, (char) 0xf1, 'm', 'e', 's', 's', 'a', 'g', 'e',
                                       ' ', 't', 'o', 'o', ' ', 'b', 'i', 'g'};
  if (c->data[0] & RMG_CF_REJECTED) return;
  c->data[0] |= RMG_CF_REJECTED | RMG_CF_OUR_DRAIN;
  mg_ws_send(c, close_too_big, sizeof(close_too_big), WEBSOCKET_OP_CLOSE);
  c->recv.len = 0;
  c->pfn = NULL;
  c->pfn_data = NULL;
  c->is_draining = 1;
  rmg_record(loop, RMG_EV_REJECTED, c->id, 1009, 0);
}

/* Whether the frames buffered in recv announce a message larger than max: looks at every
 * frame header, complete or not, before Mongoose parses (and would deliver) them. */
static int rmg_ws_too_big(const struct mg_connection *c, size_t max) {
  size_t ofs = (size_t) c->pfn_data; /* fragments reassembled so far: flags byte + data */
  const unsigned char *b = c->recv.buf;
  size_t n = c->recv.len, p = ofs;
  uint64_t acc = ofs > 0 ? ofs - 1 : 0;
  while (p + 2 <= n) {
    uint64_t pl = b[p + 1] & 127;
    size_t hl = 2, i;
    int op = b[p] & 15, fin = (b[p] & 128) != 0;
    if (pl == 126) {
      if (p + 4 > n) break;
      pl = ((uint64_t) b[p + 2] << 8) | b[p + 3];
      hl = 4;
    } else if (pl == 127) {
      if (p + 10 > n) break;
      for (pl = 0, i = 0; i < 8; i++) pl = (pl << 8) | b[p + 2 + i];
      hl = 10;
    }
    if (b[p + 1] & 128) hl += 4;
    if (op < 8) { /* data or continuation: counts towards the message */
      if (pl > max || acc + pl > max) return 1;
      acc = fin ? 0 : acc + pl;
    } else if (pl > 125) {
      return 1; /* control frames are at most 125 bytes */
    }
    if ((uint64_t) (n - p) < hl + pl) break;
    p += hl + (size_t) pl;
  }
  return 0;
}

static void rmg_ws_guard(struct mg_connection *c, int ev, void *ev_data) {
  if (ev == MG_EV_READ && !(c->data[0] & RMG_CF_REJECTED)) {
    struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
    if (rmg_ws_too_big(c, o->max_ws_frame)) {
      rmg_ws_reject((struct rmg_loop *) c->mgr, c);
      return;
    }
  }
  if (s_ws_cb != NULL) s_ws_cb(c, ev, ev_data);
}

static void rmg_http_read(struct rmg_loop *loop, struct mg_connection *c) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  if (c->is_websocket) {
    if (c->data[0] & RMG_CF_REJECTED) c->recv.len = 0;
    return;
  }
  if (c->data[0] & RMG_CF_REJECTED) {
    c->recv.len = 0; /* discard whatever follows a rejected request */
    return;
  }
  if (c->is_draining && !(c->data[0] & RMG_CF_OUR_DRAIN) && c->recv.len == 0 && !c->is_resp) {
    /* http_cb found a malformed request, dropped the input and set is_draining. */
    rmg_reject(loop, c, 400, "malformed request");
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
      rmg_reject(loop, c, 431, "request head too large");
    } else if (c->recv.len - (size_t) n > o->max_body + o->max_body / 8 + 1024) {
      /* chunked body still arriving: bound its encoded size (framing adds a few bytes
       * per chunk); Java checks the exact decoded size */
      rmg_reject(loop, c, 413, "request body too large");
    }
  }
}

void rmg_http_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  if (c->is_listening) return;
  switch (ev) {
    case MG_EV_POLL:
      if ((c->data[0] & RMG_CF_REJECTED) && !c->is_websocket) rmg_linger(c);
      break;
    case MG_EV_READ:
      rmg_http_read(loop, c);
      break;
    case MG_EV_HTTP_HDRS:
      if (c->is_accepted) rmg_check_headers(loop, c, (struct mg_http_message *) ev_data);
      break;
    case MG_EV_HTTP_MSG:
      c->data[1] &= (char) ~RMG_CF2_PRESIZED;
      if (!(c->data[0] & RMG_CF_REJECTED)) rmg_emit_request(loop, c, (struct mg_http_message *) ev_data);
      break;
    case MG_EV_WS_MSG: {
      struct mg_ws_message *wm = (struct mg_ws_message *) ev_data;
      unsigned char *p = rmg_record(loop, RMG_EV_WS_MSG, c->id, wm->flags & 15, wm->data.len);
      if (p != NULL && wm->data.len > 0) memcpy(p, wm->data.buf, wm->data.len);
      break;
    }
    case MG_EV_WS_CTL: {
      struct mg_ws_message *wm = (struct mg_ws_message *) ev_data;
      int op = wm->flags & 15;
      if (op != WEBSOCKET_OP_CONTINUE) {
        unsigned char *p = rmg_record(loop, RMG_EV_WS_CTL, c->id, op, wm->data.len);
        if (p != NULL && wm->data.len > 0) memcpy(p, wm->data.buf, wm->data.len);
      }
      break;
    }
    default:
      break;
  }
}

/* ---- natives ---- */

static jint JNICALL rmg_http_wsUpgrade(JNIEnv *env, jclass cls, jlong h, jlong id, jstring key,
                                       jstring protocol, jstring extra) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, (unsigned long) id);
  struct mg_http_message hm;
  const char *k = NULL, *p = NULL, *x = NULL;
  jint rc = 0;
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (key == NULL || c->is_websocket || !c->is_accepted) return RMG_ERR_BAD_ARG;
  memset(&hm, 0, sizeof(hm));
  k = (*env)->GetStringUTFChars(env, key, NULL);
  if (protocol != NULL) p = (*env)->GetStringUTFChars(env, protocol, NULL);
  if (extra != NULL) x = (*env)->GetStringUTFChars(env, extra, NULL);
  if (k == NULL || (protocol != NULL && p == NULL) || (extra != NULL && x == NULL)) {
    rc = RMG_ERR_OOM;
  } else {
    hm.headers[0].name = mg_str("Sec-WebSocket-Key");
    hm.headers[0].value = mg_str(k);
    if (p != NULL) {
      hm.headers[1].name = mg_str("Sec-WebSocket-Protocol");
      hm.headers[1].value = mg_str(p);
    }
    if (c->data[0] & RMG_CF_PIPELINE_PAUSED) {
      c->data[0] &= (uint8_t) ~RMG_CF_PIPELINE_PAUSED;
      if (!(c->data[0] & RMG_CF_PAUSED)) c->is_full = 0;
    }
    /* extra header lines go through "%s", never as a format */
    if (x != NULL) {
      mg_ws_upgrade(c, &hm, "%s", x);
    } else {
      mg_ws_upgrade(c, &hm, NULL);
    }
    if (c->is_websocket && c->pfn != rmg_ws_guard) {
      s_ws_cb = c->pfn;
      c->pfn = rmg_ws_guard;
    }
  }
  if (k != NULL) (*env)->ReleaseStringUTFChars(env, key, k);
  if (p != NULL) (*env)->ReleaseStringUTFChars(env, protocol, p);
  if (x != NULL) (*env)->ReleaseStringUTFChars(env, extra, x);
  return rc;
}

/* One WebSocket frame from a heap array; ops as in LoopNative (drain/close/notify). */
static jlong JNICALL rmg_http_wsSendArray(JNIEnv *env, jclass cls, jlong h, jlong id,
                                          jbyteArray arr, jint off, jint len, jint op, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, (unsigned long) id);
  jbyte *p = NULL;
  size_t before;
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (c->is_closing) return RMG_ERR_CLOSING;
  if (!c->is_websocket) return RMG_ERR_BAD_ARG;
  if (len < 0 || off < 0 || (len > 0 && (arr == NULL || off + len > (*env)->GetArrayLength(env, arr)))) {
    return RMG_ERR_BAD_ARG;
  }
  before = c->send.len;
  if (len > 0) {
    p = (jbyte *) (*env)->GetPrimitiveArrayCritical(env, arr, NULL);
    if (p == NULL) return RMG_ERR_OOM;
  }
  mg_ws_send(c, p == NULL ? "" : (const char *) (p + off), (size_t) len, op);
  if (p != NULL) (*env)->ReleasePrimitiveArrayCritical(env, arr, p, JNI_ABORT);
  if (c->send.len < before + (size_t) len) return RMG_ERR_OOM;
  return rmg_apply(loop, c, ops & (RMG_OP_DRAIN | RMG_OP_CLOSE | RMG_OP_NOTIFY_WRITABLE));
}

/* Registration Table Begin */
static const JNINativeMethod s_methods[] = {
    {"upgrade", "(JJLjava/lang/String;Ljava/lang/String;Ljava/lang/String;)I", (void *) rmg_http_wsUpgrade},
    {"sendArray", "(JJ[BIIII)J", (void *) rmg_http_wsSendArray},
};
/* Registration Table End */

#define RMG_HTTP_CLASS RMG_JNI_PKG "WsNative"

int rmg_http_on_load(JNIEnv *env) {
  return rmg_register(env, RMG_HTTP_CLASS, s_methods, (int) (sizeof(s_methods) / sizeof(s_methods[0])));
}

void rmg_http_on_unload(JNIEnv *env) { rmg_unregister(env, RMG_HTTP_CLASS); }
