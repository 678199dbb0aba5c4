/*
 * reactor-mongoose: internal declarations shared by the rmg_*.c files.
 * SPDX-License-Identifier: GPL-2.0-only
 *
 * The C side is a thin adapter. It owns no threads. Java calls every native
 * function below from the loop's poll thread, except rmg_loop_wakeup.
 */
#ifndef RMG_JNI_H
#define RMG_JNI_H

#include <jni.h>
#include <stdint.h>
#include <stddef.h>
#include "mongoose.h"

#if !defined(MG_VERSION)
#error "mongoose.h without MG_VERSION"
#endif

/* Java packages of the peers. */
#define RMG_JNI_PKG "io/github/reactormongoose/internal/jni/"

/* ---- event records written during mg_mgr_poll, decoded by Java afterwards ----
 * Every record: int32 type, int32 payload length, int64 connection id,
 * int64 argument, then the payload, padded to 8 bytes. Native byte order. */
#define RMG_REC_TYPE 0
#define RMG_REC_LENGTH 4
#define RMG_REC_ID 8
#define RMG_REC_ARG 16
#define RMG_RECORD_HEADER 24
#define RMG_RECORD_ALIGN 8

/* Socket address in records and rmg_conn_address: family byte (RMG_ADDR_IPV4/6), one zero
 * byte, port (network order), 16 address bytes (4 used for IPv4). */
#define RMG_ADDR_SIZE 20
#define RMG_ADDR_FAMILY 0
#define RMG_ADDR_PORT 2
#define RMG_ADDR_IP 4
#define RMG_ADDR_IPV4 4
#define RMG_ADDR_IPV6 6

/* Result of rmg_loop_poll: record bytes in the low 32 bits, plus these flags. */
#define RMG_POLL_LENGTH_MASK 0xffffffffLL
#define RMG_POLL_ARENA_MOVED (1LL << 32) /* the arena was reallocated: fetch a new view */
#define RMG_POLL_RECORD_LOST (1LL << 33) /* a record could not be stored (out of memory) */

enum rmg_event {
  RMG_EV_ACCEPT = 1,    /* arg = listener id; payload = local + remote address */
  RMG_EV_CONNECT = 2,   /* outbound connected; payload = local + remote address */
  RMG_EV_READ = 3,      /* raw data */
  RMG_EV_WRITABLE = 4,  /* send buffer fell to the low-water mark */
  RMG_EV_CLOSE = 5,     /* connection closed and gone */
  RMG_EV_ERROR = 6,     /* payload = message */
  RMG_EV_HTTP_MSG = 7,  /* arg = RMG_HTTP_* flags; payload = serialized request */
  RMG_EV_WS_MSG = 8,    /* arg = opcode; payload = data */
  RMG_EV_WS_CTL = 9,    /* arg = opcode; payload = data */
  RMG_EV_REJECTED = 10, /* arg = HTTP status sent by the glue before closing */
  RMG_EV_DRAINED = 11   /* raw TCP: the send buffer was fully written to the socket */
};

/* Flags passed with RMG_EV_HTTP_MSG. */
#define RMG_HTTP_CLOSE_AFTER 1 /* framing unsafe for keep-alive: close after reply */

/* Connection kinds (listener option, inherited by accepted connections). */
#define RMG_KIND_TCP 0
#define RMG_KIND_HTTP 1
#define RMG_KIND_UDP 2

/* Operations of rmg_loop_control (and after-send flags). */
#define RMG_OP_CLOSE 1           /* hard close: is_closing */
#define RMG_OP_DRAIN 2           /* graceful close: is_draining */
#define RMG_OP_PAUSE 4           /* stop reading: is_full */
#define RMG_OP_RESUME 8          /* read again */
#define RMG_OP_NOTIFY_WRITABLE 16 /* emit RMG_EV_WRITABLE once send.len <= low water */
#define RMG_OP_HTTP_END 32       /* response complete: clear is_resp */

/* Error codes returned as negative numbers. */
#define RMG_ERR_NO_CONN -1
#define RMG_ERR_OOM -2
#define RMG_ERR_BAD_ARG -3
#define RMG_ERR_LISTEN -4
#define RMG_ERR_CONNECT -5
#define RMG_ERR_CLOSING -6
/* errno failures are returned as -(RMG_ERR_ERRNO_BASE + errno) */
#define RMG_ERR_ERRNO_BASE 1000

/* Per-listener options; accepted connections inherit the pointer through fn_data. */
struct rmg_opts {
  struct rmg_opts *next;
  unsigned long listener_id;
  int kind;
  size_t max_body;        /* bytes of request body before 413 */
  size_t max_head;        /* bytes of request line + headers before 431 */
  size_t max_ws_frame;    /* bytes of WebSocket payload before close 1009 */
  size_t pipeline_limit;  /* buffered bytes while a response is pending before pausing reads */
};

/* Connection id -> pointer map (open addressing). */
struct rmg_table {
  unsigned long *keys;
  struct mg_connection **vals;
  size_t cap, len;
};

struct rmg_loop {
  struct mg_mgr mgr; /* first member: (struct rmg_loop *) c->mgr */
  unsigned long wakeup_id;
  unsigned char *ev;
  size_t ev_len, ev_cap;
  int ev_grew;
  int ev_failed;
  struct rmg_table conns;
  struct rmg_opts *opts;
  struct rmg_opts client_opts[3]; /* for outbound connections, by kind */
  size_t low_water;
};

/* Per-connection flags live in c->data[0] (we use neither static serving nor uploads). */
#define RMG_CF_NOTIFY_WRITABLE 1
#define RMG_CF_PAUSED 2
#define RMG_CF_REJECTED 4
#define RMG_CF_OUR_DRAIN 8
#define RMG_CF_CLOSE_AFTER 16
#define RMG_CF_TRACKED 32
#define RMG_CF_PIPELINE_PAUSED 64
#define RMG_CF_LINGER_SHUT 128 /* rejected: writes shut down, lingering (deadline in data[8..15]) */
/* Second flag byte, c->data[1]. */
#define RMG_CF2_PRESIZED 1 /* recv was sized for the current request's Content-Length */

/* Receive buffers larger than this are released when their exchange ends. */
#define RMG_RECV_KEEP (256 * 1024)

/* Counted allocations (tests assert they return to zero). */
void *rmg_alloc(size_t n);
void *rmg_realloc(void *p, size_t old_n, size_t n);
void rmg_free(void *p);
long rmg_live_allocations(void);
long rmg_live_loops(void);
void rmg_loops_changed(int delta);

/* Event arena. Returns a pointer to the payload area, or NULL (and sets ev_failed). */
unsigned char *rmg_record(struct rmg_loop *loop, int type, unsigned long id, int64_t arg,
                          size_t payload_len);

/* Connection lookup. */
struct mg_connection *rmg_conn(struct rmg_loop *loop, unsigned long id);

/* Applies RMG_OP_* to a connection after a write; returns send.len. */
jlong rmg_apply(struct rmg_loop *loop, struct mg_connection *c, jint ops);

/* HTTP / WebSocket parts of the event handler (rmg_http.c). */
void rmg_http_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data);

/* Registration of each file's natives. */
int rmg_loop_on_load(JNIEnv *env);
int rmg_http_on_load(JNIEnv *env);
int rmg_constants_on_load(JNIEnv *env);
void rmg_loop_on_unload(JNIEnv *env);
void rmg_http_on_unload(JNIEnv *env);
void rmg_constants_on_unload(JNIEnv *env);

/* The HTTP reason phrase of status, or NULL (rmg_jni.c). */
const char *rmg_reason_phrase(int status);

/* Helpers. */
int rmg_register(JNIEnv *env, const char *cls, const JNINativeMethod *m, int n);
void rmg_unregister(JNIEnv *env, const char *cls);
void rmg_throw(JNIEnv *env, const char *cls, const char *msg);

static inline struct rmg_loop *rmg_loop_of(jlong handle) {
  return (struct rmg_loop *) (intptr_t) handle;
}

#endif
