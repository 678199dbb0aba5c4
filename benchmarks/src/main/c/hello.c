// Raw C Mongoose benchmark server: the baseline of benchmarks/run.sh.
// Built by run.sh against native/target/mongoose/mongoose.c with the same
// MG_DEFS and optimisation flags as the JNI library (read from native/Makefile).
//
//   hello PORT SCENARIO      SCENARIO: hello | 64k | echo
//
// Replies are written as mg_printf(head) + mg_send(body), byte for byte the
// head that reactor-mongoose's HttpServer writes for a Mono body:
//   "HTTP/1.1 200 OK\r\nContent-Length: N\r\n\r\n"  (+ "Connection: close\r\n"
// when the request asked for it, as reactor-mongoose does).
// SPDX-License-Identifier: GPL-2.0-only
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongoose.h"

#if MG_ENABLE_CUSTOM_CALLOC
// The library's MG_DEFS make mg_calloc/mg_free the application's (it counts and wipes its
// blocks in rmg_alloc.c); the baseline uses the C library's allocator, as Mongoose does by default.
void *mg_calloc(size_t count, size_t size) {
  return calloc(count, size);
}

void mg_free(void *ptr) {
  free(ptr);
}
#endif

enum scenario { HELLO, BIG, ECHO };

static volatile sig_atomic_t s_stop = 0;
static enum scenario s_scenario = HELLO;
static char s_big[64 * 1024];
static const char s_hello[] = "Hello, World!";

static void on_signal(int sig) {
  (void) sig;
  s_stop = 1;
}

static void reply(struct mg_connection *c, struct mg_http_message *hm,
                  const void *body, size_t len) {
  struct mg_str *cc = mg_http_get_header(hm, "Connection");
  int close = cc != NULL && mg_strcasecmp(*cc, mg_str("close")) == 0;
  mg_printf(c, "HTTP/1.1 200 OK\r\nContent-Length: %lu\r\n%s\r\n",
            (unsigned long) len, close ? "Connection: close\r\n" : "");
  mg_send(c, body, len);
  c->is_resp = 0;  // response complete: Mongoose parses the next request
                   // (and honours "Connection: close" by draining)
}

static void handler(struct mg_connection *c, int ev, void *ev_data) {
  if (ev != MG_EV_HTTP_MSG) return;
  struct mg_http_message *hm = (struct mg_http_message *) ev_data;
  switch (s_scenario) {
    case HELLO: reply(c, hm, s_hello, sizeof(s_hello) - 1); break;
    case BIG: reply(c, hm, s_big, sizeof(s_big)); break;
    case ECHO: reply(c, hm, hm->body.buf, hm->body.len); break;
  }
}

int main(int argc, char *argv[]) {
  struct mg_mgr mgr;
  char url[64];
  if (argc != 3) {
    fprintf(stderr, "usage: %s PORT hello|64k|echo\n", argv[0]);
    return 2;
  }
  if (strcmp(argv[2], "hello") == 0) {
    s_scenario = HELLO;
  } else if (strcmp(argv[2], "64k") == 0) {
    s_scenario = BIG;
  } else if (strcmp(argv[2], "echo") == 0) {
    s_scenario = ECHO;
  } else {
    fprintf(stderr, "unknown scenario %s\n", argv[2]);
    return 2;
  }
  memset(s_big, 'x', sizeof(s_big));
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", atoi(argv[1]));
  mg_log_set(MG_LL_ERROR);
  mg_mgr_init(&mgr);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (mg_http_listen(&mgr, url, handler, NULL) == NULL) {
    fprintf(stderr, "cannot listen on %s\n", url);
    return 1;
  }
  printf("READY raw-c %s port %s (Mongoose %s)\n", argv[2], argv[1], MG_VERSION);
  fflush(stdout);
  while (!s_stop) mg_mgr_poll(&mgr, 1000);
  mg_mgr_free(&mgr);
  return 0;
}
