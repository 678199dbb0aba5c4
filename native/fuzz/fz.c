/*
 * reactor-mongoose fuzzing: see fz.h.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include "fz.h"
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "\n*** invariant violated at %s:%d: %s\n*** ", file, line, cond);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  abort();
}

static void fz_nolog(char ch, void *param) {
  (void) ch, (void) param;
}

void fz_init(void) {
  static int done;
  if (done) return;
  done = 1;
  signal(SIGPIPE, SIG_IGN);
  mg_log_set(MG_LL_NONE);
  mg_log_set_fn(fz_nolog, NULL); /* http_cb hexdumps bad input whatever the level */
  rmg_loop_set_kind(RMG_KIND_TCP, &rmg_tcp_kind);
  rmg_loop_set_kind(RMG_KIND_HTTP, &rmg_http_kind);
  rmg_loop_set_kind(RMG_KIND_UDP, &rmg_udp_kind);
}

static long s_allocs_before;

struct rmg_loop *fz_loop(void) {
  struct rmg_loop *loop;
  fz_init();
  s_allocs_before = rmg_live_allocations();
  loop = rmg_loop_new(0);
  FZ_ASSERT(loop != NULL, "rmg_loop_new failed");
  return loop;
}

void fz_loop_free(struct rmg_loop *loop) {
  rmg_loop_free(loop);
  FZ_ASSERT(rmg_live_allocations() == s_allocs_before, "glue allocations leaked: %ld live, %ld before",
            rmg_live_allocations(), s_allocs_before);
}

long fz_listen(struct rmg_loop *loop, int kind, int64_t max_body, int max_head, int max_ws_frame,
               int pipeline_limit) {
  const char *url = kind == RMG_KIND_HTTP ? "http://127.0.0.1:0" : "tcp://127.0.0.1:0";
  int64_t id = rmg_loop_listen_url(loop, url, kind, max_body, max_head, max_ws_frame, pipeline_limit,
                                   RMG_LISTEN_EXCLUSIVE);
  FZ_ASSERT(id > 0, "listen failed: %lld", (long long) id);
  return (long) id;
}

long fz_accept(struct rmg_loop *loop, long listener_id, int *peer) {
  struct mg_connection *lsn = rmg_table_get(&loop->conns, (unsigned long) listener_id), *c;
  int sv[2];
  if (lsn == NULL) return 0;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  /* what accept_conn does: fn, fn_data, pfn, pfn_data from the listener, is_accepted,
   * addresses, then MG_EV_OPEN (inside mg_wrapfd) and MG_EV_ACCEPT */
  c = mg_wrapfd(&loop->mgr, sv[0], lsn->fn, lsn->fn_data);
  if (c == NULL) {
    close(sv[0]);
    close(sv[1]);
    return 0;
  }
  c->pfn = lsn->pfn;
  c->pfn_data = lsn->pfn_data;
  c->is_accepted = 1;
  c->loc = lsn->loc;
  c->rem = lsn->loc;
  c->rem.port = mg_htons(40000);
  mg_call(c, MG_EV_ACCEPT, NULL);
  *peer = sv[1];
  return (long) c->id;
}

int fz_alive(struct rmg_loop *loop, long id) {
  return rmg_table_get(&loop->conns, (unsigned long) id) != NULL;
}

static void fz_check_str(const unsigned char *p, size_t len, size_t *ofs, const char *what) {
  int32_t n;
  FZ_ASSERT(*ofs + 4 <= len, "HTTP_MSG: %s length past the payload", what);
  memcpy(&n, p + *ofs, 4);
  FZ_ASSERT(n >= 0 && (size_t) n <= len - *ofs - 4, "HTTP_MSG: %s of %d bytes past the payload", what, n);
  *ofs += 4 + (size_t) n;
}

/* The payload of HTTP_END: trailer fields "name:value" joined by CRLF (none after the last),
 * each name a token, each value free of control characters but HTAB; at most the largest head
 * limit the fuzzers set (64 KiB). */
static void fz_check_trailers(const unsigned char *p, size_t n) {
  size_t i = 0;
  FZ_ASSERT(n <= 64 * 1024, "HTTP_END with %zu bytes of trailers", n);
  while (i < n) {
    size_t name = i;
    while (i < n && p[i] != ':') {
      FZ_ASSERT(p[i] > 0x20 && p[i] < 0x7f && strchr("\"(),/;<=>?@[\\]{}", p[i]) == NULL,
                "trailer name byte 0x%02x", p[i]);
      i++;
    }
    FZ_ASSERT(i < n && i > name, "trailer field without a name or a colon");
    for (i++; i < n && p[i] != '\r'; i++) {
      FZ_ASSERT(p[i] == '\t' || (p[i] >= 0x20 && p[i] != 0x7f), "trailer value byte 0x%02x", p[i]);
    }
    if (i < n) {
      FZ_ASSERT(i + 2 < n && p[i + 1] == '\n', "trailer fields not separated by CRLF");
      i += 2;
    }
  }
}

static void fz_check_http_msg(const unsigned char *p, size_t len, int streamed) {
  int32_t nh, i, body;
  size_t ofs = 4;
  FZ_ASSERT(len >= 4 + 5 * 4, "HTTP_MSG payload of %zu bytes", len);
  memcpy(&nh, p, 4);
  FZ_ASSERT(nh >= 0 && nh < MG_MAX_HTTP_HEADERS, "HTTP_MSG with %d headers", nh);
  fz_check_str(p, len, &ofs, "method");
  fz_check_str(p, len, &ofs, "uri");
  fz_check_str(p, len, &ofs, "query");
  fz_check_str(p, len, &ofs, "proto");
  for (i = 0; i < nh; i++) {
    fz_check_str(p, len, &ofs, "header name");
    fz_check_str(p, len, &ofs, "header value");
  }
  FZ_ASSERT(ofs + 4 <= len, "HTTP_MSG without a body length");
  memcpy(&body, p + ofs, 4);
  FZ_ASSERT(!streamed || body == 0, "streamed HTTP_MSG with %d body bytes in the head record", body);
  fz_check_str(p, len, &ofs, "body");
  FZ_ASSERT(ofs == len, "HTTP_MSG: %zu bytes decoded of %zu", ofs, len);
}

void fz_check_records(struct rmg_loop *loop, int64_t result, struct fz_polled *out) {
  size_t len = (size_t) (result & RMG_POLL_LENGTH_MASK), ofs = 0;
  const unsigned char *b = loop->ev.buf;
  FZ_ASSERT((result & ~(RMG_POLL_LENGTH_MASK | RMG_POLL_ARENA_MOVED | RMG_POLL_RECORD_LOST)) == 0,
            "poll result has unknown bits: %llx", (unsigned long long) result);
  FZ_ASSERT(len <= loop->ev.cap, "records end at %zu, arena holds %zu", len, loop->ev.cap);
  FZ_ASSERT(len == loop->ev.len, "result says %zu bytes, arena has %zu", len, loop->ev.len);
  out->n = 0;
  while (ofs < len) {
    int32_t type, plen;
    int64_t id, arg;
    size_t padded;
    FZ_ASSERT(ofs % RMG_RECORD_ALIGN == 0, "record at unaligned offset %zu", ofs);
    FZ_ASSERT(ofs + RMG_RECORD_HEADER <= len, "record header at %zu past the end %zu", ofs, len);
    memcpy(&type, b + ofs + RMG_REC_TYPE, 4);
    memcpy(&plen, b + ofs + RMG_REC_LENGTH, 4);
    memcpy(&id, b + ofs + RMG_REC_ID, 8);
    memcpy(&arg, b + ofs + RMG_REC_ARG, 8);
    FZ_ASSERT((type >= RMG_EV_ACCEPT && type <= RMG_EV_WRITE_END) || type == RMG_EV_HTTP_BODY ||
                  type == RMG_EV_HTTP_END || (type >= RMG_EV_DATAGRAM && type <= RMG_EV_SNTP_BAD) ||
                  type == RMG_EV_TLS_PEER || type == RMG_EV_TLS_DONE,
              "record type %d", type);
    FZ_ASSERT(plen >= 0, "record payload length %d", plen);
    padded = ((size_t) plen + RMG_RECORD_ALIGN - 1) & ~(size_t) (RMG_RECORD_ALIGN - 1);
    FZ_ASSERT(ofs + RMG_RECORD_HEADER + padded <= len, "record of type %d, %d bytes at %zu past the end %zu",
              type, plen, ofs, len);
    FZ_ASSERT(id > 0, "record of type %d for connection id %lld", type, (long long) id);
    switch (type) {
      case RMG_EV_ACCEPT:
      case RMG_EV_CONNECT:
        FZ_ASSERT(plen == 2 * RMG_ADDR_SIZE, "address record of %d bytes", plen);
        break;
      case RMG_EV_HTTP_MSG:
        FZ_ASSERT((arg & ~(int64_t) (RMG_HTTP_STREAMED | RMG_HTTP_EMPTY_QUERY)) == 0, "HTTP_MSG flags %lld",
                  (long long) arg);
        fz_check_http_msg(b + ofs + RMG_RECORD_HEADER, (size_t) plen, (arg & RMG_HTTP_STREAMED) != 0);
        break;
      case RMG_EV_HTTP_BODY:
        FZ_ASSERT(plen > 0 && plen <= 128 * 1024, "HTTP_BODY of %d bytes (one read at most)", plen);
        break;
      case RMG_EV_WIRE:
        FZ_ASSERT(plen > 0 && (arg == RMG_WIRE_READ || arg == RMG_WIRE_WRITTEN), "WIRE of %d bytes, way %lld", plen,
                  (long long) arg);
        break;
      case RMG_EV_HTTP_END:
        FZ_ASSERT(arg == 0, "HTTP_END with an argument");
        fz_check_trailers(b + ofs + RMG_RECORD_HEADER, (size_t) plen);
        break;
      case RMG_EV_WS_MSG:
        /* Only text and binary messages reach Java: rmg_ws_check fails a session on a
         * reserved opcode before Mongoose would reassemble it (finding F1 of
         * docs/reliability.md; corpus/fuzz_ws/ws-msg-opcode-13). */
        /* RSV1 marks a compressed message, let through only where permessage-deflate was
         * negotiated (fuzz_ws picks that from its input) */
        FZ_ASSERT((arg & ~RMG_WS_RSV1) == WEBSOCKET_OP_TEXT || (arg & ~RMG_WS_RSV1) == WEBSOCKET_OP_BINARY,
                  "WS_MSG opcode %lld", (long long) arg);
        break;
      case RMG_EV_WS_CTL:
        FZ_ASSERT(arg >= 8 && arg <= 10, "WS_CTL opcode %lld", (long long) arg);
        FZ_ASSERT(plen <= 125, "WS_CTL payload of %d bytes (control frames carry at most 125)", plen);
        break;
      case RMG_EV_REJECTED: {
        /* the status (or WebSocket close code), and for HTTP the refusal's body bytes above
         * it (RMG_REJECTED_ARG): a reason line, or 0 when no answer went out (rmg_body_fail) */
        int64_t st = arg & 0xffffffff, body = arg >> 32;
        FZ_ASSERT(st == 400 || st == 408 || st == 413 || st == 414 || st == 417 || st == 431 || st == 501 || st == 505 ||
                      st == 1002 || st == 1007 || st == 1009, "REJECTED with %lld", (long long) arg);
        FZ_ASSERT(st >= 1000 ? body == 0 : body >= 0 && body < 256, "REJECTED %lld with a body of %lld bytes",
                  (long long) st, (long long) body);
        /* HTTP: the start of the refused request's first line (rmg_reject), no line end in it,
         * then the reason (the body less its LF) */
        FZ_ASSERT(st >= 1000 ? plen == 0 : (int64_t) plen <= 2048 + (body > 0 ? body - 1 : 0), "REJECTED %lld with a payload of %d bytes",
                  (long long) st, plen);
        break;
      }
      case RMG_EV_DATAGRAM:
        FZ_ASSERT(plen >= RMG_ADDR_SIZE && plen <= RMG_ADDR_SIZE + 65536, "DATAGRAM of %d bytes", plen);
        break;
      case RMG_EV_UDP_ERROR:
        FZ_ASSERT(plen == 0 && arg > 0, "UDP_ERROR with errno %lld and %d bytes", (long long) arg, plen);
        break;
      case RMG_EV_SNTP_TIME:
        FZ_ASSERT(plen == 8 && arg > 0, "SNTP_TIME of %d bytes, time %lld", plen, (long long) arg);
        break;
      case RMG_EV_SNTP_BAD:
        FZ_ASSERT(plen > 0 && plen < 96, "SNTP_BAD reason of %d bytes", plen);
        break;
      case RMG_EV_READ_END: /* only for a plain connection told RMG_OP_HALF_CLOSE (fuzz_cmd) */
        FZ_ASSERT(plen == 0 && arg == 0, "READ_END with %d bytes, arg %lld", plen, (long long) arg);
        break;
      case RMG_EV_WRITE_END: /* only for a plain TCP connection told RMG_OP_SHUT_WR (fuzz_cmd) */
        FZ_ASSERT(plen == 0 && arg == 0, "WRITE_END with %d bytes, arg %lld", plen, (long long) arg);
        break;
      case RMG_EV_CLOSE:
        FZ_ASSERT(plen == 0, "CLOSE with a payload");
        FZ_ASSERT(!fz_alive(loop, (long) id), "CLOSE for connection %lld still in the table", (long long) id);
        break;
      default:
        break;
    }
    if (out->n < FZ_MAX_RECS) {
      out->recs[out->n].type = type;
      out->recs[out->n].id = (uint64_t) id;
      out->recs[out->n].arg = arg;
      out->n++;
    }
    ofs += RMG_RECORD_HEADER + padded;
  }
}

void fz_poll(struct rmg_loop *loop, struct fz_polled *out) {
  fz_check_records(loop, rmg_loop_poll_once(loop, 0), out);
}

size_t fz_write(int fd, const uint8_t *buf, size_t len) {
  ssize_t n;
  if (len == 0) return 0;
  n = send(fd, buf, len, MSG_NOSIGNAL);
  return n > 0 ? (size_t) n : 0;
}

long fz_drain(int fd) {
  char buf[16384];
  long total = 0;
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      total += n;
      continue;
    }
    if (n == 0) return -1;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? total : -1;
  }
}

void fz_drive(struct rmg_loop *loop, long id, int peer, const uint8_t *data, size_t size, size_t seg,
              fz_on_record on_record, void *ctx) {
  struct fz_polled pr;
  size_t sent = 0;
  int i, j, idle = 0, closed = 0;
  for (i = 0; i < 400 && !closed; i++) {
    int progress = 0;
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
      if (r->type == RMG_EV_CLOSE) {
        closed = 1;
      } else {
        on_record(loop, id, r, i, ctx);
      }
    }
    if (fz_drain(peer) > 0) progress = 1;
    if (sent >= size) {
      idle = progress ? 0 : idle + 1;
      if (idle > 3) break; /* nothing moves any more */
    }
  }
  /* the client goes away: the connection must close, its records stay well-formed */
  close(peer);
  for (i = 0; i < 50 && !closed && fz_alive(loop, id); i++) fz_poll(loop, &pr);
}
