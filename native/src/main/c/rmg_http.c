/*
 * reactor-mongoose: the HTTP kind. Enforces the request limits (431 head, 413 body, 400
 * malformed) by answering and lingering before the close, bounds pipelined input, and
 * serializes each request into an RMG_EV_HTTP_MSG record: whole when its body is small or
 * already buffered, else as a head (RMG_HTTP_STREAMED) followed by RMG_EV_HTTP_BODY pieces
 * and RMG_EV_HTTP_END, taken out of c->recv as they arrive (chunked framing decoded here).
 * Writes no other answer and decides nothing about keep-alive: Java decides. No natives;
 * WebSocket connections (upgraded from HTTP) are handed to rmg_ws.c.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#define _DEFAULT_SOURCE 1 /* shutdown() under -std=c11 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "rmg_jni.h"

/* After answering a rejected request the connection lingers: writes are shut down once the
 * answer is sent, further input is discarded, and it closes when the peer closes or after
 * this long. Closing at once would reset a client that is still uploading, and it would
 * never see the 413/431/400. */

/* A Content-Length body up to this size is buffered by http_cb and goes up whole with its
 * head (one record: the fast path of small requests); a larger one, or any chunked body, is
 * streamed. A larger body that is already complete in recv goes up whole too. */
#define RMG_WHOLE_BODY (16 * 1024)
/* recv is sized to this while a body streams: each read takes up to this much. */
#define RMG_BODY_BUF (128 * 1024)
/* Longest chunk-size line, extensions included. */
#define RMG_CHUNK_LINE_MAX 4096

/* The longest request line (without its CRLF) a listener takes before 414. */
static size_t rmg_max_line(const struct rmg_opts *o) {
  return o->max_line > 0 && o->max_line < o->max_head ? o->max_line : o->max_head;
}

/* Mongoose's HTTP parser (http_cb, static in mongoose.c); the same address for every loop.
 * Taken from the first listener (rmg_http_listen, or rmg_http_adopt's throw-away one);
 * rmg_http_guard, the pfn of every HTTP connection, calls it. */
static mg_event_handler_t s_http_cb;

/* c->pfn of every HTTP connection (set on its listener, so accepted connections inherit it),
 * in front of Mongoose's parser where a request line is awaited:
 * - drops the empty lines that may come before a request line, which Mongoose's parser refuses
 *   as malformed (RFC 9112 section 2.2: a server SHOULD ignore at least one; some clients send
 *   CRLF after a POST body). Skipped bytes do not start the head timeout: a client that sends
 *   only line ends is an idle one;
 * - holds the next (pipelined) request back while more than RMG_OUT_BACKLOG of output waits
 *   for the client to read it.
 * Then lets Mongoose parse. */
static void rmg_http_guard(struct mg_connection *c, int ev, void *ev_data) {
  mg_event_handler_t cb = __atomic_load_n(&s_http_cb, __ATOMIC_ACQUIRE);
  if (c->recv.len > 0 && !c->is_resp && c->data[2] == RMG_BODY_NONE) {
    if (c->recv.buf[0] == '\r' || c->recv.buf[0] == '\n') {
      size_t n = 1;
      while (n < c->recv.len && (c->recv.buf[n] == '\r' || c->recv.buf[n] == '\n')) n++;
      mg_iobuf_del(&c->recv, 0, n);
    }
    if (c->recv.len > 0 && (ev == MG_EV_READ || ev == MG_EV_POLL) && c->is_accepted &&
        rmg_send_pending(c) > RMG_OUT_BACKLOG) {
      /* The client reads its answers slower than it sends requests (or not at all): the
       * next request waits in recv, and reading stops, until the output drained
       * (rmg_http_unblock). Else every pipelined request's answer would pile up. */
      c->data[0] |= RMG_CF_PIPELINE_PAUSED;
      c->is_full = 1;
      return;
    }
  }
  if (cb != NULL) cb(c, ev, ev_data);
}

/* MG_EV_POLL and MG_EV_WRITE: reading and parsing resume once the output that stopped them
 * (rmg_http_guard) is down to the low-water mark. A pause for pipelined input while a
 * response is pending (rmg_http_read) ends with that response instead (rmg_apply). */
static void rmg_http_unblock(struct rmg_loop *loop, struct mg_connection *c) {
  if ((c->data[0] & RMG_CF_PIPELINE_PAUSED) && !c->is_resp && rmg_send_pending(c) <= loop->low_water) {
    rmg_resume_pipeline(c);
    if (c->recv.len > 0) loop->poll_now = 1; /* the waiting request is parsed at the next poll */
  }
}

/* The current time as an HTTP date (IMF-fixdate, RFC 9110 5.6.7): English names whatever the
 * process's locale (the JVM sets one, which strftime's %a and %b would follow). */
static void rmg_http_date(char *buf, size_t size) {
  static const char days[] = "SunMonTueWedThuFriSat", months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  time_t now = time(NULL);
  struct tm t;
  gmtime_r(&now, &t);
  snprintf(buf, size, "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT", days + 3 * t.tm_wday, t.tm_mday,
           months + 3 * t.tm_mon, t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
}

/* The most of a refused request's first line that its REJECTED record carries, for the access
 * log (a 414's line may be a mebibyte long). */
#define RMG_REJECTED_LINE_MAX 2048

/* Answers an unacceptable request (the only answers C writes), discards its input and
 * lingers (rmg_linger) until the peer closes or the deadline passes. The record carries what
 * recv holds of the request's first line (up to its line end, at most RMG_REJECTED_LINE_MAX
 * bytes; none when Mongoose's parser dropped the input), so that Java can log a request
 * refused before any exchange began; Java ignores it when an exchange is under way (recv then
 * holds body bytes, not a request line). */
static void rmg_reject(struct rmg_loop *loop, struct mg_connection *c, int status, const char *why) {
  char date[40];
  size_t line = 0, why_len = strlen(why);
  unsigned char *p;
  if (c->data[0] & RMG_CF_REJECTED) return;
  rmg_send_flush(c); /* a previous response still queued goes first */
  rmg_http_date(date, sizeof(date));
  mg_printf(c,
            "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n%s\n",
            status, rmg_reason_phrase(status), date, (int) why_len + 1, why);
  while (line < c->recv.len && line < RMG_REJECTED_LINE_MAX && c->recv.buf[line] != '\r' &&
         c->recv.buf[line] != '\n') {
    line++;
  }
  /* payload: the start of the request line, then the reason (Java logs it; its length is the
   * body's less the LF) */
  p = rmg_record(&loop->ev, RMG_EV_REJECTED, c->id, RMG_REJECTED_ARG(status, why_len + 1), line + why_len);
  if (p != NULL) {
    if (line > 0) memcpy(p, c->recv.buf, line);
    memcpy(p + line, why, why_len);
  }
  rmg_linger_start(c); /* empties recv */
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

/* The head timer starts now (never 0, which means "no head in progress"). */
static void rmg_start_head_t0(struct mg_connection *c) {
  uint64_t now = mg_millis();
  rmg_set_head_t0(c, now == 0 ? 1 : now);
}

/* MG_EV_POLL: refuses with 408 a request whose head, or whose head and the small body gathered
 * with it, has been arriving for longer than the listener's head timeout (slow clients such as
 * slowloris, or a slow small body, which no handler could time out since none runs before it
 * is whole; an idle keep-alive connection is the idle timeout's business, a streamed body that
 * of Java's readTimeout and requestTimeout). The first request's timer starts at the accept
 * (MG_EV_ACCEPT): a new connection that has sent nothing by then is closed without an answer
 * (nobody asked anything), as nginx's client_header_timeout and Go's ReadHeaderTimeout do. */
static void rmg_head_timeout(struct rmg_loop *loop, struct mg_connection *c) {
  const struct rmg_opts *o = (const struct rmg_opts *) c->fn_data;
  uint64_t t0 = rmg_head_t0(c);
  if (t0 != 0 && o->head_timeout_ms > 0 && !c->is_resp && mg_millis() - t0 > o->head_timeout_ms) {
    if (c->recv.len == 0) { /* only a new connection's timer runs with nothing received */
      c->is_closing = 1;
      return;
    }
    rmg_reject(loop, c, 408, "request not received in time");
  }
}

/* Whether the body of the request whose head is hm is gathered whole before the request goes
 * up (not streamed: rmg_body_start said no) and has not all arrived yet. */
static int rmg_gathering(const struct mg_connection *c, const struct mg_http_message *hm) {
  size_t ofs;
  if (c->data[2] != RMG_BODY_NONE || hm->head.buf < (const char *) c->recv.buf) return 0;
  ofs = (size_t) (hm->head.buf - (const char *) c->recv.buf);
  return ofs <= c->recv.len && hm->head.len + hm->body.len > c->recv.len - ofs;
}

/* MG_EV_READ: a request head has begun when bytes wait that are not yet a whole head (Mongoose
 * took every whole request before this). */
static void rmg_head_begun(struct mg_connection *c) {
  if (rmg_head_t0(c) == 0 && !c->is_resp && c->recv.len > 0 &&
      mg_http_get_request_len(c->recv.buf, c->recv.len) == 0) {
    rmg_start_head_t0(c);
  }
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
 * header, body (empty when streamed); every string is int32 length + bytes. Returns 0, or -1
 * when the record could not be stored (the request was rejected). */
static int rmg_emit_request(struct rmg_loop *loop, struct mg_connection *c,
                            struct mg_http_message *hm, int streamed) {
  size_t i, n = 0, size;
  int32_t nh;
  unsigned char *p;
  struct mg_str body = streamed ? mg_str_n(NULL, 0) : hm->body;
  struct mg_str uri = rmg_http_origin_form(hm->uri);
  /* an absolute-form target's host replaces the Host field's value (RFC 9112 3.2.2) */
  struct mg_str authority = rmg_http_target_authority(hm->uri);
  /* Mongoose's query is empty with or without a '?' after the path; the target is followed
   * by the rest of the request line, so the byte after it is in the head */
  int empty_query = hm->query.len == 0 && hm->uri.buf[hm->uri.len] == '?';
  int64_t flags = (streamed ? RMG_HTTP_STREAMED : 0) | (empty_query ? RMG_HTTP_EMPTY_QUERY : 0);
  while (n < MG_MAX_HTTP_HEADERS && hm->headers[n].name.len > 0) n++;
  size = 4 + rmg_str_size(hm->method) + rmg_str_size(uri) + rmg_str_size(hm->query) +
         rmg_str_size(hm->proto) + rmg_str_size(body);
  for (i = 0; i < n; i++) {
    int host = authority.len > 0 && mg_strcasecmp(hm->headers[i].name, mg_str("Host")) == 0;
    size += rmg_str_size(hm->headers[i].name) + rmg_str_size(host ? authority : hm->headers[i].value);
  }
  p = rmg_record(&loop->ev, RMG_EV_HTTP_MSG, c->id, flags, size);
  if (p == NULL) {
    /* Could not hand the request to Java: answer rather than hang. */
    rmg_reject(loop, c, 413, "request could not be buffered");
    return -1;
  }
  nh = (int32_t) n;
  memcpy(p, &nh, 4);
  p += 4;
  p = rmg_put_str(p, hm->method);
  p = rmg_put_str(p, uri);
  p = rmg_put_str(p, hm->query);
  p = rmg_put_str(p, hm->proto);
  for (i = 0; i < n; i++) {
    int host = authority.len > 0 && mg_strcasecmp(hm->headers[i].name, mg_str("Host")) == 0;
    p = rmg_put_str(p, hm->headers[i].name);
    p = rmg_put_str(p, host ? authority : hm->headers[i].value);
  }
  rmg_put_str(p, body);
  return 0;
}

static void rmg_check_headers(struct rmg_loop *loop, struct mg_connection *c,
                              struct mg_http_message *hm) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  struct mg_str *cl;
  const char *why = NULL;
  int status;
  if (c->data[0] & RMG_CF_REJECTED) return;
  if ((status = rmg_http_head_check(hm, &why)) != 0) {
    rmg_reject(loop, c, status, why);
    return;
  }
  {
    /* the slots after the end marker are not zeroed (hook 67): count up to it */
    size_t n = 0, max = o->max_headers > 0 ? o->max_headers : MG_MAX_HTTP_HEADERS - 1;
    while (n < MG_MAX_HTTP_HEADERS && hm->headers[n].name.len > 0) n++;
    if (n > max) {
      char why[64];
      mg_snprintf(why, sizeof(why), "too many request headers (more than %d lines)", (int) max);
      rmg_reject(loop, c, 431, why);
      return;
    }
  }
  if ((size_t) (hm->proto.buf + hm->proto.len - hm->head.buf) > rmg_max_line(o)) {
    rmg_reject(loop, c, 414, "request target too long");
    return;
  }
  if (hm->head.len > o->max_head) {
    rmg_reject(loop, c, 431, "request head too large");
    return;
  }
  cl = mg_http_get_header(hm, "Content-Length");
  if (cl != NULL && hm->body.len > o->max_body) { /* chunked: see rmg_http_msg */
    rmg_reject(loop, c, 413, "request body too large");
    return;
  }
}

/* ---- streamed request bodies ----
 * At the head of a request whose body is large or chunked (rmg_body_start, during
 * MG_EV_HTTP_HDRS), the head goes up as a record, its bytes leave recv, and http_cb detaches
 * itself (it sees recv.len change). From then on every read's bytes are taken out of recv
 * (rmg_body_read): as they are for Content-Length, decoded for chunked. Java pauses reading
 * (is_full) when its subscriber has no demand. At the end (RMG_BODY_DONE) the parser is put
 * back (rmg_body_restore), and what follows in recv is the next pipelined request. */

static uint64_t rmg_get64(const struct mg_connection *c, size_t at) {
  uint64_t v;
  memcpy(&v, c->data + at, sizeof(v));
  return v;
}

static void rmg_put64(struct mg_connection *c, size_t at, uint64_t v) {
  memcpy(c->data + at, &v, sizeof(v));
}

static uint32_t rmg_get32(const struct mg_connection *c, size_t at) {
  uint32_t v;
  memcpy(&v, c->data + at, sizeof(v));
  return v;
}

static void rmg_put32(struct mg_connection *c, size_t at, uint32_t v) {
  memcpy(c->data + at, &v, sizeof(v));
}

#define RMG_LEFT 16  /* data[16..23]: bytes left (Content-Length, or of the chunk) */
#define RMG_TOTAL 8   /* data[8..15]: bytes of body decoded so far (the linger deadline's bytes:
                       * a connection lingers only after its body mode ended) */
#define RMG_LINE 4   /* data[4..7]: bytes of the current chunk-size line, or of the trailer section so far */

/* Chunked parser states (data[3]); the trailer section's come last (st >= CK_TRAILER_START). */
enum { CK_SIZE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF, CK_TRAILER_START, CK_TRAILER,
       CK_TRAILER_VALUE, CK_TRAILER_LF, CK_END_LF };

/* A body that cannot be read on: 400/413 when no response has started, else the connection
 * closes (after the response if it is complete). Java learns it from the REJECTED record. */
static void rmg_body_fail(struct rmg_loop *loop, struct mg_connection *c, int status, const char *why) {
  c->data[2] = RMG_BODY_NONE;
  if (c->is_resp && !(c->data[1] & RMG_CF2_WROTE)) {
    rmg_reject(loop, c, status, why);
    return;
  }
  if (c->is_resp) {
    c->is_closing = 1; /* a response is half written: it cannot be completed */
  } else {
    rmg_linger_start(c); /* the response is complete: let it arrive, then close */
  }
  rmg_record(&loop->ev, RMG_EV_REJECTED, c->id, status, 0);
}

/* Whether ch may be in a field name (RFC 9110 token). */
static int rmg_tchar(unsigned char ch) {
  return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
         (ch != 0 && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

static int rmg_hex(unsigned char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Decodes chunked framing in place: buf[0, len) in, data compacted to buf[0, *w). Returns the
 * bytes consumed, or -1 (bad framing: *why says what). Strict: hex size (no overflow), CRLF
 * line ends, extensions skipped (bounded), CRLF after each chunk. The trailer section is kept
 * whole: until its empty line has arrived it stays in buf, unconsumed (so a later call finds
 * it at buf[0], its first `line` bytes checked already: the scan goes on from there); once it
 * is complete, its fields (checked: token ":" value, no control characters but HTAB; CRLF
 * between fields, none after the last) are buf[*t, *t + *tlen). */
static long rmg_chunked(struct mg_connection *c, unsigned char *buf, size_t len, size_t *w,
                        size_t *t, size_t *tlen, size_t max_trailers, const char **why) {
  size_t r = 0, out = 0, trailers = 0;
  int st = (unsigned char) c->data[3];
  uint64_t left = rmg_get64(c, RMG_LEFT);
  uint32_t line = rmg_get32(c, RMG_LINE);
  *why = "bad chunked encoding";
  *t = 0, *tlen = 0;
  if (st >= CK_TRAILER_START) { /* a trailer section is under way: buf[0, line) is checked */
    if (line > len) return -1;
    r = line;
  }
  while (r < len && c->data[2] == RMG_BODY_CHUNKED) {
    unsigned char ch = buf[r];
    if (st == CK_DATA) {
      size_t n = len - r < left ? len - r : (size_t) left;
      if (out != r) memmove(buf + out, buf + r, n);
      out += n, r += n, left -= n;
      if (left == 0) st = CK_DATA_CR;
      continue;
    }
    r++;
    switch (st) {
      case CK_SIZE: {
        int d = rmg_hex(ch);
        if (d >= 0) {
          if (left > (UINT64_MAX >> 4) || ++line > RMG_CHUNK_LINE_MAX) {
            *why = "chunk size too large";
            return -1;
          }
          left = (left << 4) | (uint64_t) d;
        } else if (line == 0) {
          return -1; /* no digit */
        } else if (ch == ';' || ch == ' ' || ch == '\t') {
          st = CK_EXT;
        } else if (ch == '\r') {
          st = CK_SIZE_LF;
        } else {
          return -1;
        }
        break;
      }
      case CK_EXT:
        if (ch == '\r') {
          st = CK_SIZE_LF;
        } else if (ch == '\n' || ++line > RMG_CHUNK_LINE_MAX) {
          return -1;
        }
        break;
      case CK_SIZE_LF:
        if (ch != '\n') return -1;
        line = 0;
        st = left == 0 ? CK_TRAILER_START : CK_DATA;
        trailers = r;
        break;
      case CK_DATA_CR:
        if (ch != '\r') return -1;
        st = CK_DATA_LF;
        break;
      case CK_DATA_LF:
        if (ch != '\n') return -1;
        st = CK_SIZE;
        left = 0, line = 0;
        break;
      default: /* the trailer section, from buf[trailers] */
        if (++line > max_trailers + 2) {
          *why = "trailers too large";
          return -1;
        }
        if (st == CK_TRAILER_START) { /* a field's first byte, or the empty line's CR */
          if (ch == '\r') {
            st = CK_END_LF;
          } else if (rmg_tchar(ch)) {
            st = CK_TRAILER;
          } else {
            *why = "bad trailer field";
            return -1;
          }
        } else if (st == CK_TRAILER) { /* the name */
          if (ch == ':') {
            st = CK_TRAILER_VALUE;
          } else if (!rmg_tchar(ch)) {
            *why = "bad trailer field";
            return -1;
          }
        } else if (st == CK_TRAILER_VALUE) {
          if (ch == '\r') {
            st = CK_TRAILER_LF;
          } else if (ch != '\t' && (ch < 0x20 || ch == 0x7f)) {
            *why = "bad trailer field";
            return -1;
          }
        } else if (st == CK_TRAILER_LF || st == CK_END_LF) {
          if (ch != '\n') return -1;
          if (st == CK_TRAILER_LF) {
            st = CK_TRAILER_START;
          } else {
            c->data[2] = RMG_BODY_DONE;
            *t = trailers;
            *tlen = r - trailers > 2 ? r - trailers - 4 : 0; /* without the last field's CRLF and the empty line */
          }
        } else {
          return -1;
        }
        break;
    }
  }
  if (st >= CK_TRAILER_START && c->data[2] == RMG_BODY_CHUNKED) {
    r = trailers; /* an incomplete trailer section: it stays in buf until the rest arrives */
  }
  c->data[3] = (char) st;
  rmg_put64(c, RMG_LEFT, left);
  rmg_put32(c, RMG_LINE, line);
  *w = out;
  return (long) r;
}

/* Hands one piece of a streamed body to Java: copied into the staging array of this poll
 * when it has room, so that Java takes it out with one copy that need not zero its new array
 * first (Arrays.copyOfRange), else into the arena. 0, or -1 when neither has room. */
static int rmg_body_piece(struct rmg_loop *loop, struct mg_connection *c, const unsigned char *buf,
                          size_t n) {
  if (loop->stage != NULL && n <= loop->stage_cap - loop->stage_used) {
    int64_t at = (int64_t) ((uint64_t) loop->stage_used << 32 | (uint64_t) n);
    if (rmg_record(&loop->ev, RMG_EV_HTTP_BODY_STAGED, c->id, at, 0) == NULL) return -1;
    (*loop->env)->SetByteArrayRegion(loop->env, loop->stage, (jsize) loop->stage_used, (jsize) n,
                                     (const jbyte *) buf);
    loop->stage_used += n;
    return 0;
  }
  return rmg_record_bytes(&loop->ev, RMG_EV_HTTP_BODY, c->id, 0, buf, n);
}

/* Takes the body bytes buffered in recv out as one RMG_EV_HTTP_BODY record (RMG_EV_HTTP_END
 * too once the body is complete, its payload the trailer fields of a chunked body: "name:
 * value" lines joined by CRLF); what follows the body stays in recv. */
static void rmg_body_read(struct rmg_loop *loop, struct mg_connection *c) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  unsigned char *buf = c->recv.buf;
  size_t len = c->recv.len, used, out = 0, t = 0, tlen = 0;
  if (c->data[2] != RMG_BODY_LENGTH && c->data[2] != RMG_BODY_CHUNKED) return;
  if (len == 0 || buf == NULL) return;
  if (c->data[2] == RMG_BODY_LENGTH) {
    uint64_t left = rmg_get64(c, RMG_LEFT);
    used = out = len < left ? len : (size_t) left;
    rmg_put64(c, RMG_LEFT, left - used);
    if (left == used) c->data[2] = RMG_BODY_DONE;
  } else {
    const char *why;
    long n = rmg_chunked(c, buf, len, &out, &t, &tlen, o->max_head, &why);
    uint64_t total = rmg_get64(c, RMG_TOTAL) + out;
    if (n < 0) {
      rmg_body_fail(loop, c, 400, why);
      return;
    }
    used = (size_t) n;
    if (total > o->max_body) {
      rmg_body_fail(loop, c, 413, "request body too large");
      return;
    }
    rmg_put64(c, RMG_TOTAL, total);
  }
  if (out > 0 && rmg_body_piece(loop, c, buf, out) != 0) {
    rmg_body_fail(loop, c, 413, "request could not be buffered");
    return;
  }
  /* the end, with the trailer fields (if any) as its payload, before they leave buf */
  if (c->data[2] == RMG_BODY_DONE) rmg_record_bytes(&loop->ev, RMG_EV_HTTP_END, c->id, 0, buf + t, tlen);
  if (used >= len) {
    c->recv.len = 0;
  } else {
    memmove(buf, buf + used, len - used); /* the next request, behind the body */
    c->recv.len = len - used;
  }
}

/* Whether an HTTP/1.1 request says "Expect: 100-continue" (the only expectation defined; others
 * were refused with 417 at the head). */
static int rmg_expects_continue(struct mg_http_message *hm, int http10) {
  return !http10 && rmg_http_expects_continue(hm);
}

/* Streams the body of the request whose head is hm, if it is large or chunked, or if the client
 * waits for 100 Continue (during MG_EV_HTTP_HDRS, after rmg_check_headers). Returns whether it
 * does. */
static int rmg_body_start(struct rmg_loop *loop, struct mg_connection *c, struct mg_http_message *hm) {
  struct mg_str *te = mg_http_get_header(hm, "Transfer-Encoding");
  int http10 = mg_strcasecmp(hm->proto, mg_str("HTTP/1.0")) == 0;
  int chunked = te != NULL && !http10 && mg_strcasecmp(*te, mg_str("chunked")) == 0;
  size_t ofs, skip;
  if (c->data[2] != RMG_BODY_NONE || c->pfn == NULL || hm->head.buf < (const char *) c->recv.buf) {
    return 0;
  }
  ofs = (size_t) (hm->head.buf - (const char *) c->recv.buf);
  if (ofs > c->recv.len || hm->head.len > c->recv.len - ofs) return 0;
  skip = ofs + hm->head.len;
  if (!chunked) {
    /* another Transfer-Encoding is http_cb's error; no Content-Length: no body */
    if ((te != NULL && !http10) || mg_http_get_header(hm, "Content-Length") == NULL) return 0;
    if (hm->body.len <= c->recv.len - skip) return 0; /* complete already */
    /* a small body is awaited whole, unless the client waits for 100 Continue before it sends
     * it: then the head goes up now, and Java answers 100 when the handler reads the body */
    if (hm->body.len <= RMG_WHOLE_BODY && !rmg_expects_continue(hm, http10)) return 0;
  }
  if (rmg_emit_request(loop, c, hm, 1) != 0) return 1; /* rejected: recv emptied */
  c->data[2] = chunked ? RMG_BODY_CHUNKED : RMG_BODY_LENGTH;
  c->data[3] = CK_SIZE;
  rmg_put32(c, RMG_LINE, 0);
  rmg_put64(c, RMG_LEFT, chunked ? 0 : (uint64_t) hm->body.len);
  rmg_put64(c, RMG_TOTAL, 0);
  c->data[1] &= (char) ~(RMG_CF2_WROTE | RMG_CF2_PRESIZED);
  c->is_resp = 1; /* a response is pending, as after MG_EV_HTTP_MSG */
  /* the head leaves recv: http_cb sees recv.len change and detaches (pfn = NULL) */
  memmove(c->recv.buf, c->recv.buf + skip, c->recv.len - skip);
  c->recv.len -= skip;
  if (c->recv.size < RMG_BODY_BUF) mg_iobuf_resize(&c->recv, RMG_BODY_BUF); /* hm dangles now */
  rmg_body_read(loop, c);
  return 1;
}

/* After an event (never inside http_cb): a finished body gives the connection back to the
 * HTTP parser, and its 128 KiB receive buffer back to the heap when nothing follows it (freed
 * directly, as rmg_apply does: the next read allocates a new one). If the response is
 * complete already, a request buffered behind the body is parsed now (http_cb would
 * otherwise wait for the next read or poll). Returns whether a body ended (the connection is
 * the parser's again). */
static int rmg_body_restore(struct mg_connection *c) {
  mg_event_handler_t cb = __atomic_load_n(&s_http_cb, __ATOMIC_ACQUIRE);
  int restored = 0;
  while (c->data[2] == RMG_BODY_DONE && cb != NULL && c->pfn == NULL) {
    restored = 1;
    c->data[2] = RMG_BODY_NONE;
    c->data[3] = 0; /* the chunked parser's state byte: zero for whoever uses it next */
    c->pfn = rmg_http_guard;
    if (c->recv.len == 0 && c->recv.buf != NULL) {
      mg_free(c->recv.buf);
      c->recv.buf = NULL;
      c->recv.size = 0;
    }
    if (!c->is_resp && !c->is_draining && !c->is_closing && c->recv.len > 0) rmg_http_guard(c, MG_EV_POLL, NULL);
  }
  return restored;
}

/* Whether recv holds a complete head that Mongoose's parser neither took nor refused: it
 * reports "incomplete" for a request line with a bare CR (skiptorn), so such a request would
 * wait for bytes that never come. */
static int rmg_http_stuck(const struct mg_connection *c) {
  struct mg_http_message hm;
  return mg_http_get_request_len(c->recv.buf, c->recv.len) > 0 &&
         mg_http_parse((const char *) c->recv.buf, c->recv.len, &hm) == 0;
}

/* After http_cb ran (MG_EV_READ, or MG_EV_POLL, where it parses a request pipelined behind an
 * answered one): refuses with 400 a request it found malformed (it dropped the input and set
 * is_draining; the connection would close without a word), or one whose first line is complete
 * and no request line (nothing else may come: it would wait for the head timeout). Returns
 * whether it refused. Once per event: before anything else when no body streams, else after
 * rmg_body_restore ended the body (it does nothing while one streams, and the connection is
 * the parser's again only then). */
static int rmg_http_malformed(struct rmg_loop *loop, struct mg_connection *c) {
  const char *why = NULL;
  if ((c->data[0] & RMG_CF_REJECTED) || c->is_resp || !c->is_accepted || c->data[2] != RMG_BODY_NONE) return 0;
  if (c->is_draining && !(c->data[0] & RMG_CF_OUR_DRAIN) && c->recv.len == 0) {
    /* http_cb found a malformed request, dropped the input and set is_draining. */
    rmg_reject(loop, c, 400, "malformed request");
    return 1;
  }
  if (c->recv.len > 0 && rmg_http_line_check((const char *) c->recv.buf, c->recv.len, &why) != 0) {
    rmg_reject(loop, c, 400, why);
    return 1;
  }
  return 0;
}

static void rmg_http_read(struct rmg_loop *loop, struct mg_connection *c) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  if (c->data[0] & RMG_CF_REJECTED) {
    c->recv.len = 0; /* discard whatever follows a rejected request */
    return;
  }
  if (c->data[2] == RMG_BODY_LENGTH || c->data[2] == RMG_BODY_CHUNKED) {
    rmg_body_read(loop, c);
    return;
  }
  if (rmg_http_malformed(loop, c)) return;
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
    /* Mongoose grows recv by MG_IO_SIZE per read, copying and zeroing it each time. Size it
     * once for a whole (small) body; larger ones stream. Done here, after http_cb, so no
     * parsed pointer dangles. */
    struct mg_http_message hm;
    int n = mg_http_parse((const char *) c->recv.buf, c->recv.len, &hm);
    if (n > 0) {
      c->data[1] |= RMG_CF2_PRESIZED;
      if (mg_http_get_header(&hm, "Content-Length") != NULL && hm.body.len <= RMG_WHOLE_BODY &&
          (size_t) n + hm.body.len > c->recv.size) {
        mg_iobuf_resize(&c->recv, (size_t) n + hm.body.len);
      }
    }
  }
  {
    /* no line end after the longest request line and its CRLF: the line is too long */
    size_t max_line = rmg_max_line(o);
    if (c->recv.len > max_line + 1 && memchr(c->recv.buf, '\n', max_line + 2 < c->recv.len ? max_line + 2 : c->recv.len) == NULL) {
      rmg_reject(loop, c, 414, "request target too long");
      return;
    }
  }
  if (c->recv.len > o->max_head) {
    int n = mg_http_get_request_len(c->recv.buf, c->recv.len);
    if (n < 0) {
      rmg_reject(loop, c, 400, "malformed request");
    } else if (n == 0) {
      rmg_reject(loop, c, 431, "request head too large");
    }
  }
}

/* Whether the body of hm is shorter than its Content-Length: http_cb delivers a request at the
 * connection's close (MG_EV_CLOSE, which Mongoose sends only to a connection is_closing) with
 * whatever body has come (for a peer that sent no Content-Length), so a small body cut off by a
 * client that went away would reach the handler as if whole. Only a closing connection is
 * looked at: a request handed over otherwise has its whole body. */
static int rmg_body_cut(struct mg_connection *c, struct mg_http_message *hm) {
  struct mg_str *cl;
  uint64_t n = 0;
  if (!c->is_closing || (cl = mg_http_get_header(hm, "Content-Length")) == NULL) return 0;
  return mg_str_to_num(*cl, 10, &n, sizeof(n)) && (uint64_t) hm->body.len < n;
}

/* A complete request whose body (if any) is buffered (MG_EV_HTTP_MSG). Its Content-Length
 * was checked at its head; chunked bodies never arrive here (they stream). A request whose
 * body was cut by the close is dropped: its client is gone, and no handler runs for it. */
static void rmg_http_msg(struct rmg_loop *loop, struct mg_connection *c, struct mg_http_message *hm) {
  struct rmg_opts *o = (struct rmg_opts *) c->fn_data;
  if (c->data[0] & RMG_CF_REJECTED) return;
  if (c->is_accepted && rmg_body_cut(c, hm)) return;
  if (c->is_accepted && hm->body.len > o->max_body) {
    rmg_reject(loop, c, 413, "request body too large");
    return;
  }
  rmg_emit_request(loop, c, hm, 0);
}

static void rmg_http_event(struct rmg_loop *loop, struct mg_connection *c, int ev, void *ev_data) {
  if (c->is_listening) return;
  if (c->is_websocket) {
    rmg_ws_event(loop, c, ev, ev_data);
    return;
  }
  switch (ev) {
    case MG_EV_ACCEPT: /* the first request's head timer starts now (rmg_head_timeout) */
      if (c->is_accepted) rmg_start_head_t0(c);
      break;
    case MG_EV_POLL:
      if (c->is_accepted && c->is_draining && (c->data[0] & RMG_CF_OUR_DRAIN) &&
          !(c->data[0] & RMG_CF_REJECTED)) {
        /* Java closes after a response (Connection: close, HTTP/1.0, maxKeepAliveRequests)
         * or while the body still arrives: closing with unread input (the body, requests
         * pipelined behind, as undici's pool sends them) would reset the connection, and the
         * reset destroys what of the response the kernel still holds (RFC 9112 9.6), so
         * linger instead: writes are shut down once the response is out, input discarded */
        rmg_linger_start(c);
      }
      rmg_http_malformed(loop, c);
      if (c->data[0] & RMG_CF_REJECTED) {
        rmg_linger(c);
      } else if (c->is_accepted && c->data[2] == RMG_BODY_NONE) {
        rmg_head_timeout(loop, c);
        rmg_http_unblock(loop, c);
      }
      if (rmg_body_restore(c)) rmg_http_malformed(loop, c); /* a request behind a body */
      break;
    case MG_EV_WRITE: /* the refusal is out: shut down writes now, not at the next poll */
      if (c->data[0] & RMG_CF_REJECTED) {
        rmg_linger(c);
      } else if (c->is_accepted && c->data[2] == RMG_BODY_NONE) {
        rmg_http_unblock(loop, c);
      }
      break;
    case MG_EV_READ:
      rmg_http_read(loop, c);
      if (rmg_body_restore(c)) rmg_http_malformed(loop, c); /* a request behind a body */
      /* a streamed body is no head: the head timeout starts with the next request's bytes */
      if (c->is_accepted && !(c->data[0] & RMG_CF_REJECTED) && c->data[2] == RMG_BODY_NONE) rmg_head_begun(c);
      break;
    case MG_EV_HTTP_HDRS: {
      uint64_t t0 = rmg_head_t0(c);
      rmg_set_head_t0(c, 0);
      if (c->is_accepted) {
        struct mg_http_message *hm = (struct mg_http_message *) ev_data;
        rmg_check_headers(loop, c, hm);
        if (!(c->data[0] & RMG_CF_REJECTED) && !rmg_body_start(loop, c, hm) && rmg_gathering(c, hm)) {
          /* a small body awaited whole: the head timeout runs on until it is in (from the
           * head's first byte, or from now if the head came in one read) */
          if (t0 != 0) {
            rmg_set_head_t0(c, t0);
          } else {
            rmg_start_head_t0(c);
          }
        }
      }
      break;
    }
    case MG_EV_HTTP_MSG:
      rmg_set_head_t0(c, 0);
      c->data[1] &= (char) ~RMG_CF2_PRESIZED;
      rmg_http_msg(loop, c, (struct mg_http_message *) ev_data);
      break;
    default:
      break;
  }
}

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
  lsn->pfn = rmg_http_guard;
  return 0;
}

/* mg_http_listen, which installs Mongoose's HTTP parser (http_cb) as the listener's pfn, with
 * rmg_http_guard put in front of it. */
static struct mg_connection *rmg_http_listen(struct mg_mgr *mgr, const char *url, mg_event_handler_t fn,
                                             void *fn_data) {
  struct mg_connection *lsn = mg_http_listen(mgr, url, fn, fn_data);
  if (lsn != NULL) {
    if (__atomic_load_n(&s_http_cb, __ATOMIC_ACQUIRE) == NULL) {
      __atomic_store_n(&s_http_cb, lsn->pfn, __ATOMIC_RELEASE);
    }
    lsn->pfn = rmg_http_guard;
  }
  return lsn;
}

const struct rmg_kind rmg_http_kind = {rmg_http_event, rmg_http_listen, rmg_http_adopt};
