/*
 * reactor-mongoose: one mg_mgr per loop, the event arena, the connection
 * table and the commands Java runs on the poll thread (peer: LoopNative).
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* sigaction under -std=c11 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include "rmg_jni.h"

#define RMG_EV_INITIAL (256 * 1024)
#define RMG_EV_KEEP (4 * 1024 * 1024)
#define RMG_TABLE_INITIAL 1024

/* ---- connection table: open addressing, linear probing, backward-shift delete ---- */

static size_t rmg_slot(unsigned long id, size_t cap) {
  uint64_t h = (uint64_t) id * 0x9E3779B97F4A7C15ULL;
  return (size_t) (h >> 17) & (cap - 1);
}

static int rmg_table_init(struct rmg_table *t, size_t cap) {
  t->keys = (unsigned long *) rmg_alloc(cap * sizeof(*t->keys));
  t->vals = (struct mg_connection **) rmg_alloc(cap * sizeof(*t->vals));
  t->cap = cap;
  t->len = 0;
  if (t->keys == NULL || t->vals == NULL) {
    rmg_free(t->keys);
    rmg_free(t->vals);
    t->keys = NULL, t->vals = NULL;
    return -1;
  }
  return 0;
}

static void rmg_table_free(struct rmg_table *t) {
  rmg_free(t->keys);
  rmg_free(t->vals);
  memset(t, 0, sizeof(*t));
}

static int rmg_table_put(struct rmg_table *t, unsigned long id, struct mg_connection *c);

static int rmg_table_grow(struct rmg_table *t) {
  struct rmg_table n;
  size_t i;
  if (rmg_table_init(&n, t->cap * 2) != 0) return -1;
  for (i = 0; i < t->cap; i++) {
    if (t->keys[i] != 0) rmg_table_put(&n, t->keys[i], t->vals[i]);
  }
  rmg_table_free(t);
  *t = n;
  return 0;
}

static int rmg_table_put(struct rmg_table *t, unsigned long id, struct mg_connection *c) {
  size_t i;
  if ((t->len + 1) * 2 > t->cap && rmg_table_grow(t) != 0) return -1;
  i = rmg_slot(id, t->cap);
  while (t->keys[i] != 0 && t->keys[i] != id) i = (i + 1) & (t->cap - 1);
  if (t->keys[i] == 0) t->len++;
  t->keys[i] = id;
  t->vals[i] = c;
  return 0;
}

static void rmg_table_del(struct rmg_table *t, unsigned long id) {
  size_t i, j, k;
  if (t->cap == 0) return;
  i = rmg_slot(id, t->cap);
  while (t->keys[i] != 0 && t->keys[i] != id) i = (i + 1) & (t->cap - 1);
  if (t->keys[i] == 0) return;
  t->len--;
  /* backward shift */
  j = i;
  for (;;) {
    t->keys[i] = 0;
    t->vals[i] = NULL;
    for (;;) {
      j = (j + 1) & (t->cap - 1);
      if (t->keys[j] == 0) return;
      k = rmg_slot(t->keys[j], t->cap);
      /* can the entry at j move to i? only if k is cyclically outside (i, j] */
      if ((i <= j) ? (i < k && k <= j) : (i < k || k <= j)) continue;
      break;
    }
    t->keys[i] = t->keys[j];
    t->vals[i] = t->vals[j];
    i = j;
  }
}

struct mg_connection *rmg_conn(struct rmg_loop *loop, unsigned long id) {
  struct rmg_table *t = &loop->conns;
  size_t i;
  if (id == 0 || t->cap == 0) return NULL;
  i = rmg_slot(id, t->cap);
  while (t->keys[i] != 0) {
    if (t->keys[i] == id) return t->vals[i];
    i = (i + 1) & (t->cap - 1);
  }
  return NULL;
}

/* ---- event arena ---- */

unsigned char *rmg_record(struct rmg_loop *loop, int type, unsigned long id, int64_t arg,
                          size_t payload_len) {
  size_t need = RMG_RECORD_HEADER + ((payload_len + RMG_RECORD_ALIGN - 1) & ~(size_t) (RMG_RECORD_ALIGN - 1));
  unsigned char *p;
  int32_t t32 = type, l32;
  int64_t id64 = (int64_t) id;
  if (payload_len > (size_t) INT32_MAX - 64) {
    loop->ev_failed = 1;
    return NULL;
  }
  if (loop->ev_len + need > loop->ev_cap) {
    size_t cap = loop->ev_cap * 2;
    unsigned char *q;
    while (cap < loop->ev_len + need) cap *= 2;
    q = (unsigned char *) rmg_realloc(loop->ev, loop->ev_cap, cap);
    if (q == NULL) {
      loop->ev_failed = 1;
      return NULL;
    }
    loop->ev = q;
    loop->ev_cap = cap;
    loop->ev_grew = 1;
  }
  p = loop->ev + loop->ev_len;
  l32 = (int32_t) payload_len;
  memcpy(p + RMG_REC_TYPE, &t32, 4);
  memcpy(p + RMG_REC_LENGTH, &l32, 4);
  memcpy(p + RMG_REC_ID, &id64, 8);
  memcpy(p + RMG_REC_ARG, &arg, 8);
  loop->ev_len += need;
  return p + RMG_RECORD_HEADER;
}

static void rmg_put_addr(unsigned char *p, const struct mg_addr *a) {
  memset(p, 0, RMG_ADDR_SIZE);
  p[RMG_ADDR_FAMILY] = a->is_ip6 ? RMG_ADDR_IPV6 : RMG_ADDR_IPV4;
  memcpy(p + RMG_ADDR_PORT, &a->port, 2); /* network order */
  memcpy(p + RMG_ADDR_IP, a->addr.ip, 16);
}

static void rmg_emit_addrs(struct rmg_loop *loop, struct mg_connection *c, int type, int64_t arg) {
  unsigned char *p = rmg_record(loop, type, c->id, arg, 2 * RMG_ADDR_SIZE);
  if (p != NULL) {
    rmg_put_addr(p, &c->loc);
    rmg_put_addr(p + RMG_ADDR_SIZE, &c->rem);
  }
}

static void rmg_emit_read(struct rmg_loop *loop, struct mg_connection *c) {
  unsigned char *p = rmg_record(loop, RMG_EV_READ, c->id, 0, c->recv.len);
  if (p != NULL) {
    memcpy(p, c->recv.buf, c->recv.len);
    c->recv.len = 0;
  } /* else: stays in recv, retried on MG_EV_POLL */
}

static void rmg_ev_fn(struct mg_connection *c, int ev, void *ev_data) {
  struct rmg_loop *loop = (struct rmg_loop *) c->mgr;
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  switch (ev) {
    case MG_EV_OPEN:
      if (rmg_table_put(&loop->conns, c->id, c) == 0) {
        c->data[0] |= RMG_CF_TRACKED;
      } else {
        mg_error(c, "OOM");
      }
      break;
    case MG_EV_ACCEPT:
      rmg_emit_addrs(loop, c, RMG_EV_ACCEPT, (int64_t) o->listener_id);
      break;
    case MG_EV_CONNECT:
      rmg_emit_addrs(loop, c, RMG_EV_CONNECT, 0);
      break;
    case MG_EV_READ:
    case MG_EV_POLL:
      if (o->kind == RMG_KIND_HTTP) {
        rmg_http_event(loop, c, ev, ev_data);
      } else if (c->recv.len > 0 && !c->is_listening) {
        rmg_emit_read(loop, c);
      }
      break;
    case MG_EV_WRITE:
      if ((c->data[0] & RMG_CF_NOTIFY_WRITABLE) && c->send.len <= loop->low_water) {
        c->data[0] &= (uint8_t) ~RMG_CF_NOTIFY_WRITABLE;
        rmg_record(loop, RMG_EV_WRITABLE, c->id, (int64_t) c->send.len, 0);
      }
      if (o->kind == RMG_KIND_TCP && c->send.len == 0) {
        rmg_record(loop, RMG_EV_DRAINED, c->id, ev_data == NULL ? 0 : *(long *) ev_data, 0);
      }
      break;
    case MG_EV_ERROR: {
      const char *msg = ev_data == NULL ? "error" : (const char *) ev_data;
      size_t n = strlen(msg);
      unsigned char *p = rmg_record(loop, RMG_EV_ERROR, c->id, 0, n);
      if (p != NULL) memcpy(p, msg, n);
      break;
    }
    case MG_EV_CLOSE:
      if (c->data[0] & RMG_CF_TRACKED) {
        rmg_table_del(&loop->conns, c->id);
        c->data[0] &= (uint8_t) ~RMG_CF_TRACKED;
      }
      rmg_record(loop, RMG_EV_CLOSE, c->id, 0, 0);
      break;
    default:
      if (o->kind == RMG_KIND_HTTP) rmg_http_event(loop, c, ev, ev_data);
      break;
  }
}

/* ---- natives ---- */

static jlong JNICALL rmg_loop_create(JNIEnv *env, jclass cls, jint low_water) {
  struct rmg_loop *loop;
  struct sigaction old_pipe;
  int i;
  (void) env, (void) cls;
  loop = (struct rmg_loop *) rmg_alloc(sizeof(*loop));
  if (loop == NULL) return 0;
  /* mg_mgr_init sets SIGPIPE to SIG_IGN; the JVM owns signal dispositions, and
   * every send uses MSG_NOSIGNAL, so put the JVM's disposition back. */
  sigaction(SIGPIPE, NULL, &old_pipe);
  mg_mgr_init(&loop->mgr);
  sigaction(SIGPIPE, &old_pipe, NULL);
  loop->low_water = low_water > 0 ? (size_t) low_water : 0;
  loop->ev = (unsigned char *) rmg_alloc(RMG_EV_INITIAL);
  loop->ev_cap = RMG_EV_INITIAL;
  if (loop->ev == NULL || rmg_table_init(&loop->conns, RMG_TABLE_INITIAL) != 0 ||
      !mg_wakeup_init(&loop->mgr)) {
    mg_mgr_free(&loop->mgr);
    rmg_free(loop->ev);
    rmg_table_free(&loop->conns);
    rmg_free(loop);
    return 0;
  }
  loop->wakeup_id = loop->mgr.conns->id; /* mg_wrapfd puts the pipe at the head */
  for (i = 0; i < 3; i++) {
    loop->client_opts[i].kind = i;
    loop->client_opts[i].max_body = 1024 * 1024;
    loop->client_opts[i].max_head = 16 * 1024;
    loop->client_opts[i].max_ws_frame = 64 * 1024;
    loop->client_opts[i].pipeline_limit = 64 * 1024;
  }
  rmg_loops_changed(1);
  return (jlong) (intptr_t) loop;
}

static void JNICALL rmg_loop_destroy(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct rmg_opts *o, *next;
  (void) env, (void) cls;
  if (loop == NULL) return;
  loop->ev_len = 0;
  mg_mgr_free(&loop->mgr); /* fires MG_EV_CLOSE for every connection */
  for (o = loop->opts; o != NULL; o = next) {
    next = o->next;
    rmg_free(o);
  }
  rmg_free(loop->ev);
  rmg_table_free(&loop->conns);
  rmg_free(loop);
  rmg_loops_changed(-1);
}

/* Returns the bytes of records written; bit 32 is set when the arena moved
 * (Java must fetch a new view), bit 33 when a record could not be stored. */
static jlong JNICALL rmg_loop_poll(JNIEnv *env, jclass cls, jlong h, jint ms) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong r;
  (void) env, (void) cls;
  loop->ev_len = 0;
  loop->ev_grew = 0;
  loop->ev_failed = 0;
  if (loop->ev_cap > RMG_EV_KEEP) {
    unsigned char *q = (unsigned char *) rmg_alloc(RMG_EV_INITIAL);
    if (q != NULL) {
      rmg_free(loop->ev);
      loop->ev = q;
      loop->ev_cap = RMG_EV_INITIAL;
      loop->ev_grew = 1;
    }
  }
  mg_mgr_poll(&loop->mgr, ms < 0 ? 0 : ms);
  r = (jlong) loop->ev_len;
  if (loop->ev_grew) r |= RMG_POLL_ARENA_MOVED;
  if (loop->ev_failed) r |= RMG_POLL_RECORD_LOST;
  return r;
}

static jobject JNICALL rmg_loop_eventBuffer(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) cls;
  return (*env)->NewDirectByteBuffer(env, loop->ev, (jlong) loop->ev_cap);
}

/* The only native any thread may call. Java guarantees the loop is alive. */
static jboolean JNICALL rmg_loop_wakeup(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) env, (void) cls;
  return mg_wakeup(&loop->mgr, loop->wakeup_id, "", 0) ? JNI_TRUE : JNI_FALSE;
}

static struct rmg_opts *rmg_new_opts(struct rmg_loop *loop, jint kind, jlong max_body,
                                     jint max_head, jint max_ws_frame, jint pipeline_limit) {
  struct rmg_opts *o = (struct rmg_opts *) rmg_alloc(sizeof(*o));
  if (o == NULL) return NULL;
  o->kind = kind;
  o->max_body = (size_t) max_body;
  o->max_head = (size_t) max_head;
  o->max_ws_frame = (size_t) max_ws_frame;
  o->pipeline_limit = (size_t) pipeline_limit;
  o->next = loop->opts;
  loop->opts = o;
  return o;
}

/* Returns the listener's id, or a negative code: RMG_ERR_* or -(1000 + errno). */
static jlong JNICALL rmg_loop_listen(JNIEnv *env, jclass cls, jlong h, jstring url, jint kind,
                                     jlong max_body, jint max_head, jint max_ws_frame,
                                     jint pipeline_limit) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct rmg_opts *o;
  struct mg_connection *c;
  const char *s;
  (void) cls;
  if (url == NULL || kind < RMG_KIND_TCP || kind > RMG_KIND_UDP || max_body < 0 ||
      max_head <= 0 || max_ws_frame <= 0 || pipeline_limit <= 0) {
    return RMG_ERR_BAD_ARG;
  }
  o = rmg_new_opts(loop, kind, max_body, max_head, max_ws_frame, pipeline_limit);
  if (o == NULL) return RMG_ERR_OOM;
  s = (*env)->GetStringUTFChars(env, url, NULL);
  if (s == NULL) return RMG_ERR_OOM;
  errno = 0;
  c = kind == RMG_KIND_HTTP ? mg_http_listen(&loop->mgr, s, rmg_ev_fn, o)
                            : mg_listen(&loop->mgr, s, rmg_ev_fn, o);
  (*env)->ReleaseStringUTFChars(env, url, s);
  if (c == NULL) return errno != 0 ? -(RMG_ERR_ERRNO_BASE + (jlong) errno) : RMG_ERR_LISTEN;
  o->listener_id = c->id;
  return (jlong) c->id;
}

/* Outbound connection to an IP-literal URL (Java resolves names). */
static jlong JNICALL rmg_loop_connect(JNIEnv *env, jclass cls, jlong h, jstring url, jint kind) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c;
  const char *s;
  (void) cls;
  if (url == NULL || kind < RMG_KIND_TCP || kind > RMG_KIND_UDP) return RMG_ERR_BAD_ARG;
  s = (*env)->GetStringUTFChars(env, url, NULL);
  if (s == NULL) return RMG_ERR_OOM;
  errno = 0;
  c = mg_connect(&loop->mgr, s, rmg_ev_fn, &loop->client_opts[kind]);
  (*env)->ReleaseStringUTFChars(env, url, s);
  if (c == NULL) return errno != 0 ? -(RMG_ERR_ERRNO_BASE + (jlong) errno) : RMG_ERR_CONNECT;
  return (jlong) c->id;
}

jlong rmg_apply(struct rmg_loop *loop, struct mg_connection *c, jint ops) {
  if (ops & RMG_OP_HTTP_END) {
    c->is_resp = 0;
    if (c->recv.len == 0 && c->recv.size > RMG_RECV_KEEP) {
      /* a large upload is done: give its buffer back (free directly: mg_iobuf_free
       * would zero it byte by byte first, and it holds nothing) */
      mg_free(c->recv.buf);
      c->recv.buf = NULL;
      c->recv.size = 0;
    }
    if (c->data[0] & RMG_CF_PIPELINE_PAUSED) {
      c->data[0] &= (uint8_t) ~RMG_CF_PIPELINE_PAUSED;
      if (!(c->data[0] & RMG_CF_PAUSED)) c->is_full = 0;
    }
    if (c->data[0] & RMG_CF_CLOSE_AFTER) {
      c->data[0] |= RMG_CF_OUR_DRAIN;
      c->is_draining = 1;
    }
  }
  if (ops & RMG_OP_PAUSE) {
    c->data[0] |= RMG_CF_PAUSED;
    c->is_full = 1;
  }
  if (ops & RMG_OP_RESUME) {
    c->data[0] &= (uint8_t) ~RMG_CF_PAUSED;
    if (!(c->data[0] & RMG_CF_PIPELINE_PAUSED)) c->is_full = 0;
  }
  /* Commands run outside mg_mgr_poll and must not write records: when the
   * buffer is already low, Java sees it from the returned send.len. */
  if ((ops & RMG_OP_NOTIFY_WRITABLE) && c->send.len > loop->low_water) {
    c->data[0] |= RMG_CF_NOTIFY_WRITABLE;
  }
  if (ops & RMG_OP_DRAIN) {
    c->data[0] |= RMG_CF_OUR_DRAIN;
    c->is_draining = 1;
  }
  if (ops & RMG_OP_CLOSE) c->is_closing = 1;
  return (jlong) c->send.len;
}

/* Appends to c->send, growing it only when needed. mg_send() resizes the buffer to exactly
 * the rounded new length on every call, so a small write into a large, empty buffer shrinks
 * it (zeroing the old block byte by byte) and the next large write grows it back: two
 * allocations and a zeroing pass per response. Keeping the size avoids both. */
static bool rmg_append(struct mg_connection *c, const void *buf, size_t len) {
  struct mg_iobuf *io = &c->send;
  if (c->is_udp) return mg_send(c, buf, len);
  if (io->len + len > io->size) {
    /* grow geometrically: a streamed body must not reallocate on every piece */
    size_t want = io->size * 2 > io->len + len ? io->size * 2 : io->len + len;
    if (!mg_iobuf_resize(io, want) && !mg_iobuf_resize(io, io->len + len)) return false;
  }
  memcpy(io->buf + io->len, buf, len);
  io->len += len;
  return true;
}

static struct mg_connection *rmg_writable_conn(struct rmg_loop *loop, jlong id, jlong *err) {
  struct mg_connection *c = rmg_conn(loop, (unsigned long) id);
  if (c == NULL) {
    *err = RMG_ERR_NO_CONN;
  } else if (c->is_closing) {
    *err = RMG_ERR_CLOSING;
    c = NULL;
  }
  return c;
}

/* Appends bytes from a direct buffer, then applies ops. Returns send.len or a negative code. */
static jlong JNICALL rmg_loop_send(JNIEnv *env, jclass cls, jlong h, jlong id, jobject buf,
                                   jint off, jint len, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong err = 0;
  struct mg_connection *c = rmg_writable_conn(loop, id, &err);
  (void) cls;
  if (c == NULL) return err;
  if (len > 0) {
    unsigned char *p = buf == NULL ? NULL : (unsigned char *) (*env)->GetDirectBufferAddress(env, buf);
    jlong cap = buf == NULL ? -1 : (*env)->GetDirectBufferCapacity(env, buf);
    if (p == NULL || off < 0 || (jlong) off + len > cap) return RMG_ERR_BAD_ARG;
    if (!rmg_append(c, p + off, (size_t) len)) return RMG_ERR_OOM;
  }
  return rmg_apply(loop, c, ops);
}

/* Same for a heap array: one copy straight into c->send. */
static jlong JNICALL rmg_loop_sendArray(JNIEnv *env, jclass cls, jlong h, jlong id,
                                        jbyteArray arr, jint off, jint len, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  jlong err = 0;
  struct mg_connection *c = rmg_writable_conn(loop, id, &err);
  (void) cls;
  if (c == NULL) return err;
  if (len > 0) {
    jbyte *p;
    bool ok;
    if (arr == NULL || off < 0 || off + len > (*env)->GetArrayLength(env, arr)) return RMG_ERR_BAD_ARG;
    p = (jbyte *) (*env)->GetPrimitiveArrayCritical(env, arr, NULL);
    if (p == NULL) return RMG_ERR_OOM;
    ok = rmg_append(c, p + off, (size_t) len);
    (*env)->ReleasePrimitiveArrayCritical(env, arr, p, JNI_ABORT);
    if (!ok) return RMG_ERR_OOM;
  }
  return rmg_apply(loop, c, ops);
}

static jlong JNICALL rmg_loop_control(JNIEnv *env, jclass cls, jlong h, jlong id, jint ops) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, (unsigned long) id);
  (void) env, (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  return rmg_apply(loop, c, ops);
}

/* Writes 20 bytes: family (4/6), 0, port (network order), 16 address bytes. */
static jint JNICALL rmg_loop_address(JNIEnv *env, jclass cls, jlong h, jlong id, jboolean local,
                                     jbyteArray out) {
  struct rmg_loop *loop = rmg_loop_of(h);
  struct mg_connection *c = rmg_conn(loop, (unsigned long) id);
  unsigned char tmp[RMG_ADDR_SIZE];
  (void) cls;
  if (c == NULL) return RMG_ERR_NO_CONN;
  if (out == NULL || (*env)->GetArrayLength(env, out) < RMG_ADDR_SIZE) return RMG_ERR_BAD_ARG;
  rmg_put_addr(tmp, local ? &c->loc : &c->rem);
  (*env)->SetByteArrayRegion(env, out, 0, RMG_ADDR_SIZE, (const jbyte *) tmp);
  return 0;
}

static jint JNICALL rmg_loop_connectionCount(JNIEnv *env, jclass cls, jlong h) {
  struct rmg_loop *loop = rmg_loop_of(h);
  (void) env, (void) cls;
  return (jint) loop->conns.len;
}

/* Registration Table Begin */
static const JNINativeMethod s_methods[] = {
    {"create", "(I)J", (void *) rmg_loop_create},
    {"destroy", "(J)V", (void *) rmg_loop_destroy},
    {"poll", "(JI)J", (void *) rmg_loop_poll},
    {"eventBuffer", "(J)Ljava/nio/ByteBuffer;", (void *) rmg_loop_eventBuffer},
    {"wakeup", "(J)Z", (void *) rmg_loop_wakeup},
    {"listen", "(JLjava/lang/String;IJIII)J", (void *) rmg_loop_listen},
    {"connect", "(JLjava/lang/String;I)J", (void *) rmg_loop_connect},
    {"connectionCount", "(J)I", (void *) rmg_loop_connectionCount},
};
static const JNINativeMethod s_conn_methods[] = {
    {"send", "(JJLjava/nio/ByteBuffer;III)J", (void *) rmg_loop_send},
    {"sendArray", "(JJ[BIII)J", (void *) rmg_loop_sendArray},
    {"control", "(JJI)J", (void *) rmg_loop_control},
    {"address", "(JJZ[B)I", (void *) rmg_loop_address},
};
/* Registration Table End */

#define RMG_LOOP_CLASS RMG_JNI_PKG "LoopNative"
#define RMG_CONN_CLASS RMG_JNI_PKG "ConnNative"

int rmg_loop_on_load(JNIEnv *env) {
  if (rmg_register(env, RMG_LOOP_CLASS, s_methods, (int) (sizeof(s_methods) / sizeof(s_methods[0]))) != 0) return -1;
  if (rmg_register(env, RMG_CONN_CLASS, s_conn_methods, (int) (sizeof(s_conn_methods) / sizeof(s_conn_methods[0]))) != 0) {
    rmg_unregister(env, RMG_LOOP_CLASS);
    return -1;
  }
  return 0;
}

void rmg_loop_on_unload(JNIEnv *env) {
  rmg_unregister(env, RMG_CONN_CLASS);
  rmg_unregister(env, RMG_LOOP_CLASS);
}
