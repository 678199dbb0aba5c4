/*
 * reactor-mongoose: strict checks of a request head (RFC 9112) that Mongoose's lenient parser
 * lets through, run by rmg_http.c when a head is complete: request-line syntax and version,
 * request-target form, header field syntax (no obs-fold, bare CR/LF, NUL or control bytes),
 * Host, Content-Length and Transfer-Encoding framing (the request smuggling rules of
 * RFC 9112 §6.1-6.3) and Expect. Plain C over the parsed message; no Mongoose calls but
 * string helpers; no natives.
 * SPDX-License-Identifier: GPL-2.0-only
 */
#include <string.h>
#include "rmg_jni.h"

/* tchar of RFC 9110 §5.6.2: the characters of a method or a field name. */
static int rmg_tchar(unsigned char ch) {
  unsigned char lc = (unsigned char) (ch | 0x20);
  if ((lc >= 'a' && lc <= 'z') || (ch >= '0' && ch <= '9')) return 1;
  switch (ch) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.':
    case '^': case '_': case '`': case '|': case '~':
      return 1;
    default:
      return 0;
  }
}

/* A byte of a Host value: reg-name, IP literal or port characters (RFC 3986 §3.2.2). */
static int rmg_host_byte(unsigned char ch) {
  unsigned char lc = (unsigned char) (ch | 0x20);
  if ((lc >= 'a' && lc <= 'z') || (ch >= '0' && ch <= '9')) return 1;
  switch (ch) {
    case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=': case ':': case '%': case '[': case ']':
      return 1;
    default:
      return 0;
  }
}

/* A field value byte (RFC 9110 §5.5): HTAB, SP, VCHAR, obs-text. */
static int rmg_field_byte(unsigned char ch) {
  return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

static struct mg_str rmg_trim(struct mg_str s) {
  while (s.len > 0 && (s.buf[0] == ' ' || s.buf[0] == '\t')) s.buf++, s.len--;
  while (s.len > 0 && (s.buf[s.len - 1] == ' ' || s.buf[s.len - 1] == '\t')) s.len--;
  return s;
}

/* Whether s equals the n bytes of lit, ignoring ASCII case; lengths first, no strlen. */
static int rmg_is_n(struct mg_str s, const char *lit, size_t n) {
  return s.len == n && mg_strcasecmp(s, mg_str_n(lit, n)) == 0;
}

/* Whether s equals the string literal lit, ignoring ASCII case. */
#define RMG_IS(s, lit) rmg_is_n((s), (lit), sizeof(lit) - 1)

/* An Expect value (RFC 9110 10.1.1): a list whose only defined member is 100-continue; empty
 * members are ignored (5.6.1.2: "Expect: 100-continue," and an empty "Expect:" ask nothing
 * else). 1 if it asks for 100-continue, 0 if for nothing, -1 for another expectation. */
static int rmg_expect_value(struct mg_str v) {
  int cont = 0;
  size_t i, start = 0;
  for (i = 0; i <= v.len; i++) {
    if (i == v.len || v.buf[i] == ',') {
      struct mg_str e = rmg_trim(mg_str_n(v.buf + start, i - start));
      if (e.len > 0) {
        if (!RMG_IS(e, "100-continue")) return -1;
        cont = 1;
      }
      start = i + 1;
    }
  }
  return cont;
}

int rmg_http_expects_continue(const struct mg_http_message *hm) {
  size_t i;
  for (i = 0; i < MG_MAX_HTTP_HEADERS && hm->headers[i].name.len > 0; i++) {
    if (RMG_IS(hm->headers[i].name, "Expect") && rmg_expect_value(hm->headers[i].value) == 1) return 1;
  }
  return 0;
}

/* Whether s is longer than lit and starts with it, ignoring ASCII case. */
static int rmg_starts(struct mg_str s, const char *lit) {
  size_t n = strlen(lit);
  return s.len > n && rmg_is_n(mg_str_n(s.buf, n), lit, n);
}

/* Whether the request line is method SP request-target SP HTTP-version, each part well
 * formed; sets *status to 505 for a well-formed version other than 1.0 and 1.1. */
static int rmg_request_line(struct mg_str line, int *status, const char **why) {
  size_t i = 0, n = line.len, t0, t1;
  const unsigned char *b = (const unsigned char *) line.buf;
  while (i < n && rmg_tchar(b[i])) i++;
  if (i == 0 || i >= n || b[i] != ' ') return *why = "malformed method", 0;
  t0 = ++i;
  while (i < n && b[i] > 0x20 && b[i] != 0x7f) i++;
  t1 = i;
  if (t1 == t0 || i >= n || b[i] != ' ') return *why = "malformed request target", 0;
  /* no request-target form has a fragment (RFC 9112 3.2; clients strip it): taken as part of
   * the target, http://a.example#/get was routed as /get */
  if (memchr(b + t0, '#', t1 - t0) != NULL) return *why = "fragment in the request target", 0;
  i++;
  if (n - i != 8 || memcmp(b + i, "HTTP/", 5) != 0 || b[i + 5] < '0' || b[i + 5] > '9' || b[i + 6] != '.' ||
      b[i + 7] < '0' || b[i + 7] > '9') {
    return *why = "malformed HTTP version", 0;
  }
  if (b[i + 5] != '1' || (b[i + 7] != '0' && b[i + 7] != '1')) {
    *status = 505;
    *why = "only HTTP/1.0 and HTTP/1.1 are supported";
    return 0;
  }
  return 1;
}

/* Whether the first line of buf (len bytes; the empty lines before a request line skipped) is
 * complete (ends in CRLF) and not method SP request-target SP HTTP/d.d: 400 then, at once, not
 * when the head is complete (a client that sends no more would wait for the head timeout). A
 * well-formed other version is left to rmg_http_head_check (505). */
int rmg_http_line_check(const char *buf, size_t len, const char **why) {
  const char *nl;
  int status = 400;
  while (len > 0 && (buf[0] == '\r' || buf[0] == '\n')) buf++, len--;
  nl = len > 0 ? (const char *) memchr(buf, '\n', len) : NULL;
  if (nl == NULL || nl == buf || nl[-1] != '\r') return 0; /* incomplete, or a bare LF: the head check's */
  if (rmg_request_line(mg_str_n(buf, (size_t) (nl - 1 - buf)), &status, why) || status != 400) return 0;
  return 400;
}

/* The status to refuse the request with (0: acceptable) and why. */
int rmg_http_head_check(const struct mg_http_message *hm, const char **why) {
  const unsigned char *b = (const unsigned char *) hm->head.buf;
  size_t n = hm->head.len, i, ls, hosts = 0, tes = 0, cls = 0;
  int status = 400, http10 = RMG_IS(hm->proto, "HTTP/1.0"), first = 1;
  struct mg_str te = {NULL, 0}, cl = {NULL, 0}, target = hm->uri;
  /* Lines end with CR LF only (a bare CR or LF is refused: RFC 9112 §2.2 allows either, and
   * accepting what a proxy in front reads differently is how requests are smuggled). */
  for (i = 0, ls = 0; i < n; i++) {
    if (b[i] == '\r' && (i + 1 >= n || b[i + 1] != '\n')) return *why = "bare CR in the request head", 400;
    if (b[i] == '\n' && (i == 0 || b[i - 1] != '\r')) return *why = "bare LF in the request head", 400;
    if (b[i] != '\n') continue;
    {
      struct mg_str line = mg_str_n((const char *) b + ls, i - 1 - ls);
      size_t k = 0;
      ls = i + 1;
      if (first) {
        first = 0;
        if (!rmg_request_line(line, &status, why)) return status;
        continue;
      }
      if (line.len == 0) break; /* end of the head */
      if (line.buf[0] == ' ' || line.buf[0] == '\t') return *why = "obsolete line folding", 400;
      while (k < line.len && rmg_tchar((unsigned char) line.buf[k])) k++;
      if (k == 0 || k >= line.len || line.buf[k] != ':') return *why = "malformed header field", 400;
      {
        struct mg_str name = mg_str_n(line.buf, k), value = mg_str_n(line.buf + k + 1, line.len - k - 1);
        size_t j;
        for (j = 0; j < value.len; j++) {
          if (!rmg_field_byte((unsigned char) value.buf[j])) return *why = "control byte in a header value", 400;
        }
        value = rmg_trim(value);
        if (RMG_IS(name, "Host")) {
          hosts++;
          for (j = 0; j < value.len; j++) {
            if (!rmg_host_byte((unsigned char) value.buf[j])) return *why = "malformed Host", 400;
          }
        } else if (RMG_IS(name, "Transfer-Encoding")) {
          tes++;
          te = value;
        } else if (RMG_IS(name, "Content-Length")) {
          cls++;
          cl = value;
        } else if (RMG_IS(name, "Expect")) {
          if (rmg_expect_value(value) < 0) return *why = "only Expect: 100-continue is supported", 417;
        }
      }
    }
  }
  if (!http10 && hosts != 1) return *why = hosts == 0 ? "HTTP/1.1 request without Host" : "more than one Host", 400;
  if (http10 && hosts > 1) return *why = "more than one Host", 400;
  /* Framing (RFC 9112 §6.1-6.3): one Content-Length of digits, or Transfer-Encoding: chunked
   * alone (not on HTTP/1.0); anything else leaves the body's end in doubt. */
  if (cls > 1) return *why = "more than one Content-Length", 400;
  if (cls == 1) {
    size_t j;
    if (cl.len == 0 || cl.len > 18) return *why = "malformed Content-Length", 400;
    for (j = 0; j < cl.len; j++) {
      if (cl.buf[j] < '0' || cl.buf[j] > '9') return *why = "malformed Content-Length", 400;
    }
  }
  if (tes > 0) {
    if (tes > 1 || cls > 0 || http10) return *why = "ambiguous message framing", 400;
    if (!RMG_IS(te, "chunked")) {
      return *why = "transfer coding not implemented (only chunked)", 501;
    }
  }
  /* CONNECT asks for a tunnel (RFC 9110 9.3.6), which this server does not open: with any
   * target form (a 2xx would say the tunnel is open) */
  if (RMG_IS(hm->method, "CONNECT")) return *why = "CONNECT is not supported", 501;
  /* Request-target forms (RFC 9112 §3.2): origin-form, absolute-form, and asterisk-form
   * for OPTIONS; authority-form belongs to CONNECT. */
  if (target.len > 0 && target.buf[0] == '/') return 0;
  if (target.len == 1 && target.buf[0] == '*' && RMG_IS(hm->method, "OPTIONS")) return 0;
  if (rmg_starts(target, "http://") || rmg_starts(target, "https://")) {
    struct mg_str a = rmg_http_target_authority(target);
    /* RFC 9110 4.2.4: userinfo in an http(s) URI is an error (it was stripped, and served) */
    if (memchr(a.buf, '@', a.len) != NULL) return *why = "userinfo in the request target", 400;
    if (a.len == 0) return *why = "absolute-form target without a host", 400;
    for (i = 0; i < a.len; i++) {
      if (!rmg_host_byte((unsigned char) a.buf[i])) return *why = "malformed host in the request target", 400;
    }
    return 0;
  }
  return *why = "unsupported request-target form", 400;
}

/* The authority of an absolute-form target (http://host:8080/p -> host:8080); empty for any
 * other target. RFC 9112 3.2.2: the server takes the host from it, not from the Host field.
 * One with userinfo is refused (rmg_http_head_check). */
struct mg_str rmg_http_target_authority(struct mg_str uri) {
  size_t start, end;
  if (rmg_starts(uri, "http://")) {
    start = 7;
  } else if (rmg_starts(uri, "https://")) {
    start = 8;
  } else {
    return mg_str_n(NULL, 0);
  }
  end = start;
  while (end < uri.len && uri.buf[end] != '/' && uri.buf[end] != '?') end++;
  return mg_str_n(uri.buf + start, end - start);
}

/* The origin-form of an absolute-form target (http://host/path -> /path; "/" when the
 * target has no path); any other target unchanged. The query is Mongoose's hm->query. */
struct mg_str rmg_http_origin_form(struct mg_str uri) {
  size_t skip;
  if (rmg_starts(uri, "http://")) {
    skip = 7;
  } else if (rmg_starts(uri, "https://")) {
    skip = 8;
  } else {
    return uri;
  }
  while (skip < uri.len && uri.buf[skip] != '/') skip++;
  if (skip == uri.len) return mg_str("/");
  return mg_str_n(uri.buf + skip, uri.len - skip);
}
