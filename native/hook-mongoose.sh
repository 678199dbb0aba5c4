#!/usr/bin/env bash
# Writes mongoose.c with the glue's sixty-seven additions: forty-seven to its built-in TLS stack (see
# docs/tls.md), one to its accept, eleven to its poll loop and epoll backend, one to mg_bzero, one
# to its WebSocket PONG, one to its iolog, two to its header parser, one to mg_http_parse, one to
# its request framing and one to its socket read (the fetched file stays as
# its sha256 says). Each
# addition is one line inserted before an anchor line that must occur exactly once, else the
# build fails.
#   1. mg_tls_recv_cert: hand each decrypted Certificate message to rmg_tls_peer_certificates
#      (rmg_tls.c), which gives a client's to Java; the stack keeps no copy of the peer's
#      certificates, and Java verifies the chain and host name with the JDK.
#   2. mg_tls_recv_record: strip TLS 1.3 record padding (RFC 8446 5.4: zeros after the content
#      type). The stack takes the last byte as the content type, so padded records (the JDK
#      pads its records) were dropped: the JDK's first request never arrived.
#   3. mg_tls_send_cert_verify: the stack writes the ECDSA signature's r and s as 32-byte DER
#      INTEGERs, with a redundant leading zero when a value is shorter (about 1 handshake in
#      128); strict peers (the JDK) refuse that encoding. Such a signature is made again with
#      a random nonce until both values encode minimally.
#   4. mg_tls_verify_cert_san: an IPv4 address in a certificate was compared through a
#      misaligned uint32_t load (undefined behaviour; the sanitizer build aborts on it). The
#      added line compares the four bytes with memcmp and skips the original branch.
#   5. mg_mgr_poll: a readable listener accepts up to 64 pending connections per poll, not one
#      (rmg_listener_ready in rmg_loop.c checks that another is queued). With one, a burst of
#      1,000 connections took 1,000 polls to accept, each serving every connection accepted so
#      far: the last ones waited seconds for their first answer (p99 of a 10 s wrk -c1000 run:
#      0.3-1.4 s; docs/benchmarks.md). The added line ends in `else`, so the original accept
#      line runs only when the listener is not readable, that is never.
#   6. mg_tls_recv_record: an encrypted alert that is not fatal was dropped without counting its
#      sequence number, so the next record failed to decrypt. The JDK closes a TLS 1.3
#      connection with user_canceled then close_notify: every such close (Paho, the JDK's
#      clients) ended in "GCM tag verify failed" on our side instead of a clean end.
#   7-12. the epoll backend (decision 0002): Mongoose registers every socket for EPOLLIN and
#      never takes it back, so a connection whose reads are paused (c->is_full: no demand,
#      back-pressure, a listener out of descriptors) kept waking epoll_wait, level-triggered, and
#      the loop spun at 100 % CPU. Hooks 7-10 make MG_EPOLL_MOD call rmg_epoll_sync, hook 11
#      defines it (next to can_read/can_write, which it uses), hook 12 calls it for every
#      connection before each epoll_wait, in place of the line that called MG_EPOLL_MOD for
#      connections with output only (it ends in `if (0)`, as hook 5 ends in `else`). It registers what poll(2) would be asked: EPOLLIN only
#      while the connection can read, EPOLLOUT while it has output, and when neither no event
#      but EPOLLERR and EPOLLHUP (which epoll reports whatever the mask), edge-triggered, calling
#      epoll_ctl only when that changes. So a paused connection the peer resets is reported once
#      with EPOLLERR, and mg_iotest closes it with "socket error" (SO_ERROR says ECONNRESET), as
#      it closes one that is not paused; it was taken out of the epoll set before, and stayed
#      open until it read again. A FIN alone (EPOLLIN, EPOLLRDHUP) is not reported, and an
#      EPOLLHUP without an error (the peer's FIN after our own shutdown) is reported once and
#      ignored, as can_read is false: no busy loop, and what is still queued is read once the
#      connection reads again. The
#      registered state lives in c->data[RMG_EPOLL_STATE] (-D in the Makefile's MG_DEFS, so
#      that mongoose.c and the glue share it; its values in rmg_jni.h). A TLS connection whose
#      last record the socket did not take whole (c->is_tls_throttled: the rest waits in the
#      stack) also wants EPOLLOUT, though c->send may be empty: the glue writes TLS records
#      itself (rmg_send.c), so the end of a response can be such a rest.
#  13. mg_mgr_poll: Mongoose sends that rest with mg_tls_flush at every poll but never clears
#      c->is_tls_throttled, so the interest of hook 11 would stay on and the next record would
#      wait: a throttled connection is flushed with mg_tls_send(c, "", 0) instead, which sends
#      the rest and says whether some is still left (a broken socket closes the connection, as
#      after any failed send). Ends in `else`: the original line runs for the others.
#  14. mg_mgr_poll: a draining connection closes when c->send is empty; a TLS one waits until
#      the rest of its last record is out too (ends in `else` before the original line), so a
#      `Connection: close` response that filled the socket is not cut short.
#  15, 16. mg_tls_encrypt, mg_tls_recv_record: a record is sealed and opened by rmg_gcm.c with
#      the CPU's AES-NI and PCLMULQDQ instead of Mongoose's byte-wise AES and bit-wise GHASH
#      (about 100 MB/s), when rmg_gcm_fast() says the CPU has them and the code agrees with
#      Mongoose's; each line ends in `else`, so Mongoose's call runs otherwise.
#  17. mg_rsa_crt_sign (the RSA signer of a server's or client's CertificateVerify): it checked
#      the modulus p*q against the signature's length by taking the header word of BearSSL's
#      i31 integer (an encoded bit length: 31-bit words and a remainder) for the bit count, so
#      the check failed for every key and RSA keys could not sign. The added line makes the
#      same check with the product's real bit length and skips the original (ends in `if (0)`).
#      Every signature is still verified with the public key before it is sent (Mongoose).
#  18. mg_rsa_crt_sign, its last step (s = s2 + q*h, BearSSL's CRT recombination): the
#      product was accumulated into s2, which has room for one factor's words only, so its
#      upper half ran into the next buffer (p's), which the following line decodes p into
#      again: the result was overwritten and the self-check failed. The added line does that
#      step in the two free buffers after s2 (s1 and t1, 2 factors' words), makes the same two
#      checks (the result modulo q and p), encodes the signature and leaves the function as
#      the original does (goto done); the original lines after it no longer run.
#  With 17 and 18, RSA keys of 2,048 to 4,096 bits sign (Mongoose's own check of the
#  signature with the public exponent, which follows, passes for every one); the stack's
#  verifier wants moduli of at least 256 bytes, which KeyForms.checkSupported enforces.
#  19. mg_tls_rsa_sign: the signature is made by rmg_rsa_crt_sign (rmg_rsa.c: 64-bit limbs, a
#      4-bit window, constant-time, its result checked modulo p and q), about 5 times faster
#      than Mongoose's signer; the line ends in `if (crt_result != 0)`, so Mongoose's signer
#      (with 17 and 18) runs only when ours refuses. Mongoose's check with the public exponent
#      follows either way.
#  20. mg_tls_recv_cert: a server that asked for a client certificate failed a client that
#      sends an empty Certificate message ("certificate list too short"), so ClientAuth.OPTIONAL
#      (Spring's client-auth=want) was impossible. When the connection's context takes clients
#      without one (rmg_tls_cert_optional, rmg_tls.c), the empty message goes into the
#      transcript, the server waits for the client's Finished (TLS 1.3 sends no
#      CertificateVerify without a certificate) and returns as after a partial read. A
#      certificate that is sent is checked as before. Otherwise (REQUIRE) the handshake fails
#      with "the client sent no certificate" and the alert certificate_required (hook 61).
#  21. mg_tls_client_handshake: a client without a certificate that a server asks for one
#      (CertificateRequest) sent only its Finished, where TLS 1.3 wants an empty Certificate
#      message first (RFC 8446 4.4.2), so a server with optional client authentication (nginx's
#      `ssl_verify_client optional`, our ClientAuth.OPTIONAL) failed it. The line sends the empty
#      Certificate (mg_tls_send_cert writes one for a client without a certificate) and the
#      Finished, with the key schedule of the two-way branch; it ends in `else`.
#  22. mg_tls_server_handshake: a client's handshake ends with MG_EV_TLS_HS, a server's ended
#      silently, so nothing said when an accepted connection was ready. The line ends it the
#      client's way (is_tls_hs cleared, then MG_EV_TLS_HS, which the glue reports as
#      RMG_EV_TLS_DONE): a TcpServer or MqttServer handler starts there, after the handshake and
#      with the client's certificates known, as Reactor Netty's does.
#  23. mg_tls_encrypt: each record was added to the stack's send buffer with mg_iobuf_add then
#      mg_iobuf_resize, and that buffer has no alignment, so each call reallocated it to the exact
#      size (calloc, copy, zero the old one, free): two reallocations per 16 KiB record, 9 % of
#      the server's CPU in an HTTPS download. The line grows the buffer only when the record does
#      not fit and appends the header itself (ends in `if (0)`, skipping the original two calls);
#      the buffer keeps its size for the next record, as it kept it before once sent.
#  24. mg_tls_send: what the socket took was removed from the send buffer with mg_iobuf_del,
#      which zeroes the removed bytes one volatile byte at a time (mg_bzero): 11 % of the
#      server's CPU in an HTTPS download, to wipe ciphertext that is on the wire anyway. The line
#      closes the block of new data (`} {`, so that it runs for a throttled rest too; the
#      original `}` closes it) and sends the buffer itself, moving an unsent rest to the front
#      without zeroing. The original loop then finds the buffer empty, or the socket full (one
#      more send that returns MG_IO_WAIT, which sets is_tls_throttled as before).
#  25. mg_bzero (Mongoose wipes every buffer it frees or shrinks, and the bytes it drops from
#      one): a loop of volatile one-byte stores, so that the compiler keeps it. glibc's
#      explicit_bzero is kept the same way and writes wide stores; the line calls it and
#      returns. Wiping each decrypted TLS record of an HTTPS upload took 16 % of the server's
#      CPU in the byte loop.
#  26. mg_ws_cb: every PING was answered with a PONG before the application heard of it. A
#      WebSocket whose endpoint handles PINGs itself (WebsocketServerSpec.handlePing, as Reactor
#      Netty's) answers them as it likes: the line sends Mongoose's PONG only when
#      rmg_ws_auto_pong (rmg_ws.c) says so, and skips the original send (`if (0)`); the PING is
#      passed on (MG_EV_WS_CTL) as before.
#  27. iolog: a connection with is_hexdumping set had each read and write printed with
#      MG_INFO and mg_hexdump (to stdout, the JVM's). The glue sets the flag for a wiretap
#      (RMG_OP_WIRETAP; accept_conn copies it from the listener): the line hands the bytes to
#      rmg_wire (rmg_send.c), which records them for Java's logger, and skips the printing
#      (`if (0)`). Only wiretapped connections take the branch.
#  28. mg_http_parse_headers: a request with a second Cookie header was refused as malformed
#      (400), like a second Content-Length. Cookies are no framing: RFC 9113 8.2.3 has HTTP/2
#      split them into several fields, and a client or gateway may pass them on as several
#      lines (Netty reads them all). The line, inserted in the refusal's condition just before
#      the Cookie test, sets the count back to 0, so that test never refuses; every Cookie line
#      reaches Java, whose cookies() reads them all. The other repeats stay refused.
#  29. mg_tls_recv_record: a close_notify alert (warning level, description 0) was dropped like
#      any other warning, so a peer that ended its side with it and kept TCP open (RFC 8446 6.1
#      allows it; openssl s_server -www does) was waited for: a response read until the close
#      never ended, a TcpClient's receive() never completed. The line ends the connection as a
#      FIN does, after what is already sent (is_draining), and drops the record.
#  30. mg_tls_server_recv_hello: the server answered with TLS_AES_128_GCM_SHA256, the only
#      suite it has, whatever the client offered; a client without it (openssl s_client
#      -ciphersuites TLS_CHACHA20_POLY1305_SHA256) then failed with "wrong cipher returned". A
#      ClientHello that does not offer it is refused as a bad client hello (RFC 8446 4.1.1: no
#      common suite, the handshake fails).
#  31. after mg_tls_encrypt: rmg_tls_close_notify, which seals a close_notify alert (RFC 8446
#      6.1: each party MUST send one before it closes its write side) after whatever the stack
#      still holds and sends what the socket takes; a rest waits as a throttled record's does
#      (hooks 13, 14). Mongoose sends none: a peer reading until the close (OpenSSL 3's
#      s_client, Python's ssl with suppress_ragged_eofs=False) saw an unexpected end.
#  32. mg_mgr_poll: a draining TLS connection whose output is out (c->send empty) sends it
#      once (rmg_tls_closing, rmg_tls.c, keeps the "sent" bit), before hook 14 and the
#      original line close it. Only the graceful closes drain (a response with
#      `Connection: close`, a WebSocket close, a drained TcpConnection, a peer's own
#      close_notify); an abort (c->is_closing) sends none, so a cut close-delimited body
#      never looks whole. rmg_conn.c (idle close) and rmg_http.c (linger) call it too.
#  33. mg_tls_verify_cert_san: a certificate's DNS name was matched with the host name case by
#      case (mg_match), so a SAN in upper case (DNS:LOCALHOST) failed where the JDK and RFC 6125
#      6.4.1 accept it; the glue lower-cases the host name (rmg_tls_new), the line lower-cases
#      the SAN into a buffer that lives until the match (names over 255 bytes, which DNS does
#      not have, are compared as they are).
#  34. http_cb: a POST or PUT without Content-Length or Transfer-Encoding had its head counted
#      twice as processed (`ofs += n` in the branch that checks for a missing length, then
#      again with the body), so the first bytes of a request pipelined behind it were skipped
#      and it was mis-framed; the glue closed such connections after the answer. The line
#      skips the extra count (`if (0)`): the request has no body (RFC 9112 6.3, rule 7) and what
#      follows is the next request, as for any other method.
#  35-38. KeyUpdate and the record rules after the handshake (RFC 8446 4.6.3, 5.1, 5.4). The stack
#      kept no traffic secret, so a peer's KeyUpdate (OpenSSL's `k`/`K`, the JDK after
#      jdk.tls.keyLimits, 2^37 bytes of AES-GCM) was dropped and its next record failed to
#      decrypt ("GCM tag verify failed"). 35 adds the two application traffic secrets and a
#      skip count to struct tls_data, 36 keeps them when the application keys are made, 37
#      defines rmg_tls_next_keys (the next secret, key and IV of one direction, its sequence
#      number back to 0) and rmg_tls_key_update (our own KeyUpdate, sealed with the old keys,
#      sent as hook 31 sends, then our keys renewed; a peer that asks for more than 1 MiB of
#      them unread is cut off), 38 hands every decrypted record after the handshake that is
#      not application data to rmg_tls_post_handshake (rmg_tls.c), which says what to do: a
#      KeyUpdate renews the peer's keys and, when it asks, ours; a client skips a
#      NewSessionTicket; anything else ends the connection. 38 also skips a zero-length
#      application-data record (it ended the stream: mg_tls_recv returned 0, read as the
#      peer's close) and refuses a record over 2^14 bytes of plaintext (record_overflow).
#  39. mg_tls_recv_record: a ChangeCipherSpec record was skipped at any time; RFC 8446 5 allows
#      one only during the handshake (middlebox compatibility) and calls one after it an
#      unexpected record (abort). The added line, before the branch that skips one, ends the
#      connection when the handshake is done (it ends in an open `} else if` chain: the
#      original branch closes it).
#  40-44. Handshake messages split over records (RFC 8446 5.1 lets a message span records of its
#      type; a chain over 2^14 bytes must). The stack parsed each record on its own, so a split
#      message failed the handshake: a server's Certificate in 512-byte records (OpenSSL's
#      -max_send_frag 512) gave "invalid certificate chain length", a ClientHello a middlebox cut
#      in two "bad client hello". 40 adds a buffer to struct tls_data, 41 (mg_tls_recv_record,
#      during the handshake) hands each decrypted record to rmg_tls_gather (rmg_tls.c), which
#      keeps a record that ends inside a message and, once the messages are whole, puts them in
#      front of c->rtls as one decrypted record (read the next record: the line calls
#      mg_tls_recv_record again); 42 and 43 join the plaintext records of a ClientHello or a
#      ServerHello once they are all there (rmg_tls_join_hello); 44 frees 40's buffer. At most
#      65,000 bytes are put together; an empty handshake record, or a record of another type
#      inside a split message, ends the handshake (RFC 8446 5.1).
#  45. mg_iotest (epoll): an error reported on a socket closed the connection at once, unread
#      bytes and all. A peer that answers and then resets (SO_LINGER 0, or a close with our
#      unread bytes in its buffer: Python's http.server after each error answer, a server that
#      refuses an upload early) lost its whole answer when the reset came in the same poll as
#      the answer (curl and Reactor Netty read it). While bytes wait (rmg_unread, FIONREAD) and
#      reading is not paused, the added line marks the connection readable instead; the error
#      (still pending on the socket) closes it at a later poll, once the bytes are read.
#  46-48. The peer's Finished was never verified (RFC 8446 4.4.4: recipients MUST check its
#      verify_data, the HMAC of the transcript under the peer's finished key, and abort with
#      decrypt_error): the stack checked only the message's type, so a client or server whose
#      Finished was wrong (flipped by a test client; tlslite-ng) completed the handshake. 46
#      defines rmg_tls_finished_ok (when the next message is a Finished, compare it in constant
#      time with the HMAC the stack computes for its own); 47 and 48 call it in the client's and
#      the server's handshake before the stack takes the Finished. A server sends decrypt_error
#      (decode_error for a malformed Finished) before it closes (hook 61).
#  49. mg_tls_recv_cert (client): each certificate of the server's chain had to sign the one
#      before it, so a chain out of order or with a certificate that does not belong (a root
#      sent along, a stale intermediate) failed ("failed to verify certificate chain"), where
#      RFC 8446 4.4.2 says a client SHOULD take it and the JDK and curl do. The client's chain
#      is verified by the JDK's PKIX check (hook 1, rmg_tls_peer_certificates), which builds
#      the path from whatever was sent and refuses what does not lead to a trusted root, before
#      the connection is emitted; the added line skips the stack's own link check for a client
#      without a CA of the stack's (always: the glue gives the client none). The leaf's key is
#      still what the server's CertificateVerify is checked against.
#  50. write_conn: a send that failed (the peer reset the connection: a server that answers an
#      upload early, 413 or 401, and resets while our request body is still going out) closed
#      the connection with the answer unread in the socket, when the reset came after the poll
#      that would have read it (hook 45 covers a reset reported by epoll with the answer). While
#      bytes wait (rmg_unread) and reading is not paused, the added line reads them first, as
#      curl does; the failed send then closes the connection as before.
#  51. recv_raw: a read that returned 0 (the peer's FIN) was an error like any other, and the
#      connection closed at once, its unwritten output dropped: a raw TCP peer that half-closes
#      and waits for the answer could not be served (docs/tcp.md, "Half-close"). The added line
#      makes the read itself (skipping the original, `if (0)`) and, when it returns 0, asks
#      rmg_tcp_eof (rmg_tcp.c): for a plain connection that Java opened to half-close
#      (RMG_OP_HALF_CLOSE), reading stops for good (is_full, so that hook 11 takes EPOLLIN out:
#      no busy loop on a socket that stays readable at its end), Java hears RMG_EV_READ_END and
#      the read is MG_IO_WAIT; the connection closes when Java drains or closes it, or on a
#      reset. For every other connection (HTTP, TLS, the clients of the library) it returns 0
#      and the FIN closes the connection as before.
#  52-63. Fatal alerts of a server that refuses its client's certificate (RFC 8446 4.4.2.4, 6.2)
#      or its ClientHello, and of a client that refuses its server's certificate.
#      The stack closed such a connection without a word, so curl, openssl and the JDK reported
#      an unexpected end ("Empty reply from server", the end of the stream, "Broken pipe") where
#      the JDK's and OpenSSL's servers name the reason. 52 adds to
#      struct tls_data the alert that a failure of the current handshake step sends (0: none)
#      and whether one went out. 57 sets bad_certificate once a client's Certificate message has
#      been read, before its checks; 20 (an empty one, REQUIRE) sets certificate_required, 58
#      unknown_ca before the check against the one CA, 56 certificate_expired for an expired
#      certificate; 59 clears it once the chain passed. 60 sets decrypt_error before the
#      CertificateVerify's signature is checked, 46 decrypt_error or decode_error for the
#      Finished; 62 clears it after each handshake step, so that a later failure of another kind
#      (the handshake timeout, a record that fails to decrypt, the peer's own alert) sends none.
#      61 defines rmg_tls_alert, which the glue calls when a handshake error is reported
#      (MG_EV_ERROR, rmg_loop.c, which adds the alert's name to the log line) and when Java's
#      PKIX check refuses a chain the stack took (RMG_OP_TLS_ALERT, rmg_conn.c): a server that
#      sent its Finished seals the alert with its application traffic keys, which the client
#      reads with once it has that Finished (RFC 8446 7.1; the two-way handshake keeps them in
#      app_keys, else they are made from the transcript so far), sends what the socket takes at
#      once and drops what it received, so that the handshake is not taken up again; the glue
#      then lingers before the close (rmg_tls_abort, rmg_tls.c). 63: a ClientHello the stack
#      cannot answer (a TLS 1.2-only client: no key share; hook 30's missing suite; a malformed
#      one) gets handshake_failure in a plaintext record (no keys yet); a TLS 1.2-only client saw
#      the connection close (curl: SSL_ERROR_SYSCALL). A client sends its alert too (it sent none, and
#      the server saw a bare close): during the handshake one that the stack's checks set (the
#      hooks above run for both sides: certificate_expired, bad_certificate for a name that does
#      not match, decrypt_error, illegal_parameter of hook 64), sealed with its handshake keys,
#      which the server reads with until the client's Finished; after it one of Java's PKIX check
#      (unknown_ca...: RMG_OP_TLS_ALERT), sealed with its application keys; none before the
#      ServerHello (no keys yet). 53-56: an expired (or not yet valid) certificate was
#      reported as "failed to parse certificate"
#      (mg_tls_parse_cert_der refuses its dates like a malformed certificate); 54 and 55 note
#      which date and its value in a thread-local (53), and 56, in place of the parse's call in
#      mg_tls_recv_cert (it ends in `if (0)`), says "client certificate expired (notAfter
#      ...)" and sets certificate_expired (not yet valid: bad_certificate).
#  64. mg_tls_recv_cert_verify: a CertificateVerify in a signature scheme the stack does not
#      verify (not one of those offered: RFC 8446 4.4.3) was logged with MG_ERROR and the step
#      returned without failing the connection, so the handshake waited for its timeout (10 s)
#      and closed without a word. The line fails it with mg_error and sets illegal_parameter (what
#      OpenSSL and the JDK send), which hook 61 sends at once; the original lines no longer run.
#  65. mg_tls_server_send_cert_request: the CertificateRequest copied secp256r1_sig_algs, which
#      is a whole signature_algorithms extension (type, length, list length, then the schemes),
#      into the list of its own extension: it offered 0x000d, 0x0008 and 0x0006 as schemes, then
#      ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256 and rsa_pkcs1_sha256, which TLS 1.3 does not
#      allow in a CertificateVerify (RFC 8446 4.2.3). The line sends a request whose
#      signature_algorithms are exactly the two schemes mg_tls_recv_cert_verify verifies (0x0403,
#      0x0804) and whose signature_algorithms_cert are the certificate signatures
#      mg_tls_parse_cert_der reads (ECDSA and RSA PKCS#1 with SHA-256 and SHA-384: 0x0403, 0x0503,
#      0x0401, 0x0501), so that a chain signed with RSA PKCS#1 stays acceptable to strict clients;
#      it returns, and the original lines no longer run.
#  66, 67. mg_http_parse zeroed the whole struct mg_http_message (memset) at every call, header
#      slots and all: with the Makefile's MG_MAX_HTTP_HEADERS=2001 (64 KiB) that is 64 KiB written
#      for each parse of each request (measured: about +1 us a parse at 1001 slots against 100).
#      66, in place of that memset (it ends in `if (0)`), zeroes everything but the header slots,
#      and the first slot (the end marker of a message that has no headers or fails early); 67,
#      at the top of mg_http_parse_headers' loop, before the test for the end of the head, zeroes
#      the slot about to be read, so the slot after the last header is the end marker as before. Slots after the
#      marker keep whatever the stack held: every reader (Mongoose's mg_http_get_header, the
#      glue's loops) stops at the first empty name.
# Usage: hook-mongoose.sh IN OUT
set -euo pipefail
in=$1 out=$2
anchors=(
  'if (tls->recv_len < 13) { // 8 + 3 + 2, chain len + cert len + ext len'
  '  r = msgsz - 16 - 1;'
  '    neg1 = !!(sig[0] & 0x80);'
  'if (name.type == 0x87 && name.len == 4) {  // this is an IPv4 address'
  '      if (c->is_readable) accept_conn(mgr, c);'
  '    if (msg[0] == 2) {'
  '#include "mongoose.h"'
  '#include "mongoose.h"'
  '#include "mongoose.h"'
  '#include "mongoose.h"'
  'static void mg_iotest(struct mg_mgr *mgr, int ms) {'
  '    if (can_write(c)) MG_EPOLL_MOD(c, 1);'
  '      if (c->is_tls && !c->is_tls_hs && c->send.len == 0) mg_tls_flush(c);'
  '    if (c->is_draining && c->send.len == 0) c->is_closing = 1;'
  '  mg_aes_gcm_encrypt(outmsg, outmsg, msgsz + 1, key, 16, nonce, sizeof(nonce),'
  '    if (mg_aes_gcm_decrypt(msg, msg, msgsz - 16, key, 16, nonce, sizeof(nonce),'
  '  if (xlen != ((t2[0] + 7) >> 3)) goto done;'
  '  br_i31_mulacc(s2, mq, t2);'
  '  crt_result = mg_rsa_crt_sign('
  'if (tls->recv_len < 13) { // 8 + 3 + 2, chain len + cert len + ext len'
  '      if (tls->cert_requested && tls->cert_der.len > 0) {  // two-way auth'
  '      tls->state = MG_TLS_STATE_SERVER_CONNECTED;'
  '  if (mg_iobuf_add(wio, wio->len, hdr, sizeof(hdr)) == 0 ||'
  '  }  // else, resend outstanding encrypted data in tls->send'
  '    while (len--) *buf++ = 0;'
  '          mg_ws_send(c, s, msg.data_len, WEBSOCKET_OP_PONG);'
  '    if (c->is_hexdumping) {'
  '        ((mg_strcasecmp(k, mg_str("Cookie")) == 0) && (++cookie_count > 1)) ||'
  '    if (msg[0] == 2) {'
  '  ext_len = MG_LOAD_BE16(rio->buf + 48 + session_id_len + cipher_suites_len);'
  'static void verbose_alert(uint8_t *buf) {'
  'rmg hook 14: a draining TLS connection closes'
  '      if (countdots(sn) == countdots(tn) && mg_match(sn, tn, NULL))'
  '          ofs += (size_t) n;  // this request has been processed'
  '  struct tls_enc app_keys;  // storage during two-way auth handshake'
  '  mg_tls_hexdump("s ap traffic", server_secret, 32);'
  'static void verbose_alert(uint8_t *buf) {'
  '    if (tls->content_type == MG_TLS_APP_DATA) break;'
  '    } else if (rio->buf[0] == MG_TLS_CHANGE_CIPHER) {  // skip CCS'
  '  struct tls_enc app_keys;  // storage during two-way auth handshake'
  '  tls->recv_offset = (size_t) msg - (size_t) rio->buf;'
  '  if (rio->buf[0] != MG_TLS_HANDSHAKE || rio->buf[5] != MG_TLS_CLIENT_HELLO) {'
  '  if (rio->buf[0] != MG_TLS_HANDSHAKE || rio->len < 6 || rio->buf[5] != MG_TLS_SERVER_HELLO) {'
  '    mg_iobuf_free(&tls->send);'
  '    if (evs[i].events & EPOLLERR) {'
  'static bool mg_tls_client_handshake(struct mg_connection *c) {'
  '      if (mg_tls_client_recv_finish(c) < 0) break;'
  '      if (mg_tls_server_recv_finish(c) < 0) break;'
  '        if (!ci->is_ca || !mg_tls_verify_cert_signature(ci - 1, ci)) {'
  '  iolog(c, buf, n, false);'
  '    n = recv(FD(c), (char *) buf, len, MSG_NONBLOCKING);'
  '  struct tls_enc app_keys;  // storage during two-way auth handshake'
  '#include "mongoose.h"'
  '      MG_ERROR(("cert is not yet valid'
  '      MG_ERROR(("cert is no longer valid'
  '      if (mg_tls_parse_cert_der(cert, certsz, ci) < 0) {'
  'if (tls->recv_len < 13) { // 8 + 3 + 2, chain len + cert len + ext len'
  '    if (!found_ca && tls->ca_der.len > 0) {  // single cert or server'
  '  mg_tls_calc_cert_verify_hash(c, tls->sighash, !is_client);'
  '  // Ignore CertificateVerify if strict checks are not required'
  'static void verbose_alert(uint8_t *buf) {'
  '  if (!res) {'
  '  mg_error(c, "bad client hello");'
  '      MG_ERROR(("unsupported certverify signature scheme: %x of %d bytes",'
  '  uint8_t req[13 + sizeof(secp256r1_sig_algs)];'
  '  memset(hm, 0, sizeof(*hm));'
  '    struct mg_str k = {NULL, 0}, v = {NULL, 0};'
)
lines=(
  '  { extern void rmg_tls_peer_certificates(struct mg_connection *, const unsigned char *, size_t); rmg_tls_peer_certificates(c, recv_buf, tls->recv_len); } /* rmg hook 1 */'
  '  while (msgsz > 17 && msg[msgsz - 17] == 0) msgsz--; /* rmg hook 2: RFC 8446 5.4 padding */'
  '    while (((sig[0] == 0 && sig[1] < 0x80) || (sig[32] == 0 && sig[33] < 0x80)) && mg_uecc_sign(tls->ec_key, hash, sizeof(hash), sig, mg_uecc_secp256r1())) (void) 0; /* rmg hook 3: minimal DER */'
  '    if (name.type == 0x87 && name.len == 4) { if (!server_ip->is_ip6 && memcmp(name.value, &server_ip->addr.ip4, 4) == 0) return 1; continue; } /* rmg hook 4: aligned IPv4 compare */'
  '      if (c->is_readable) { extern int rmg_listener_ready(const struct mg_connection *); int rmg_n = 1; accept_conn(mgr, c); while (rmg_n++ < 64 && !c->is_closing && rmg_listener_ready(c)) accept_conn(mgr, c); } else /* rmg hook 5: accept a burst */'
  '    c->is_client ? tls->enc.sseq++ : tls->enc.cseq++; /* rmg hook 6: a decrypted alert used a sequence number */'
  '# include "mongoose.h" /* rmg hook 7: the declarations below need it */'
  'static void rmg_epoll_sync(struct mg_connection *c); int rmg_gcm_fast(void); void rmg_gcm_seal(unsigned char *, const unsigned char *, size_t, const unsigned char *, const unsigned char *, const unsigned char *, size_t, unsigned char *); int rmg_gcm_open(unsigned char *, const unsigned char *, size_t, const unsigned char *, const unsigned char *, const unsigned char *, size_t, const unsigned char *); /* rmg hook 8 (and rmg_gcm.c for hooks 15, 16) */'
  '#undef MG_EPOLL_MOD /* rmg hook 9 */'
  '#define MG_EPOLL_MOD(c, wr) rmg_epoll_sync(c) /* rmg hook 10: interest follows can_read/can_write */'
  'static void rmg_epoll_sync(struct mg_connection *c) { unsigned char *st = (unsigned char *) &c->data[RMG_EPOLL_STATE]; unsigned char want; struct epoll_event ev; if (c->is_closing || FD(c) == MG_INVALID_SOCKET) return; want = (unsigned char) ((can_read(c) ? 0 : 1) | (can_write(c) || (c->is_tls && c->is_tls_throttled && !c->is_tls_hs) ? 2 : 0)); if (want == *st) return; memset(&ev, 0, sizeof(ev)); ev.events = (want & 1 ? 0U : (unsigned) EPOLLIN) | (want & 2 ? (unsigned) EPOLLOUT : 0U) | (want == 1 ? (unsigned) EPOLLET : 0U) | EPOLLERR | EPOLLHUP; ev.data.ptr = c; if (epoll_ctl(c->mgr->epoll_fd, EPOLL_CTL_MOD, FD(c), &ev) == 0) *st = want; } /* rmg hook 11 */'
  '    rmg_epoll_sync(c); if (0) /* rmg hook 12: every connection, before epoll_wait; skips the next line, which did it for writers only */'
  '      if (c->is_tls && !c->is_tls_hs && c->send.len == 0 && c->is_tls_throttled) { if (mg_tls_send(c, "", 0) == MG_IO_ERR) c->is_closing = 1; } else /* rmg hook 13: send the rest of a throttled record and say whether some is still left */'
  '    if (c->is_draining && c->is_tls && c->is_tls_throttled && !c->is_closing) (void) 0; else /* rmg hook 14: a draining TLS connection closes once its last record is out */'
  '  if (rmg_gcm_fast()) rmg_gcm_seal(outmsg, outmsg, msgsz + 1, key, nonce, associated_data, sizeof(associated_data), tag); else /* rmg hook 15: AES-NI (rmg_gcm.c) */'
  '    if (rmg_gcm_fast()) { if (rmg_gcm_open(msg, msg, msgsz - 16, key, nonce, associated_data, sizeof(associated_data), msg + msgsz - 16) != 0) { mg_error(c, "GCM tag verify failed"); return -1; } } else /* rmg hook 16: AES-NI (rmg_gcm.c) */'
  '  { uint32_t rmg_eb = br_i31_bit_length(t2 + 1, (t2[0] + 31) >> 5); if (xlen != (((rmg_eb >> 5) * 31 + (rmg_eb & 31) + 7) >> 3)) goto done; } if (0) /* rmg hook 17: the real bit length of p*q, not its header word */'
  '  { uint32_t *s = s1; memset(s, 0, 2 * (size_t) fwlen * sizeof(*s)); memcpy(s, s2, (size_t) fwlen * sizeof(*s)); br_i31_mulacc(s, mq, t2); br_i31_reduce(t2, s, mq); ok = rsa_i31_eq(t2, c2); br_i31_reduce(t2, s, mp); ok &= rsa_i31_eq(t2, c1); if (ok) br_i31_encode(signature, sig_len, s); goto done; } /* rmg hook 18: s = s2 + q*h in 2 factors of room (s1, t1), checked modulo q and p */'
  '  { extern int rmg_rsa_crt_sign(const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, size_t, const uint8_t *, size_t, uint8_t *, size_t); crt_result = rmg_rsa_crt_sign(em, emlen, (const uint8_t *) tls->rsa.dP.buf, tls->rsa.dP.len, (const uint8_t *) tls->rsa.dQ.buf, tls->rsa.dQ.len, (const uint8_t *) tls->rsa.p.buf, tls->rsa.p.len, (const uint8_t *) tls->rsa.q.buf, tls->rsa.q.len, (const uint8_t *) tls->rsa.qInv.buf, tls->rsa.qInv.len, sig, nlen); } if (crt_result != 0) /* rmg hook 19: rmg_rsa.c signs, Mongoose only if it refuses */'
  '  if (!is_client && tls->recv_len >= 8 && recv_buf[4] == 0 && MG_LOAD_BE24(recv_buf + 5) == 0) { extern int rmg_tls_cert_optional(const struct mg_connection *); if (rmg_tls_cert_optional(c)) { mg_tls_drop_message(c); tls->state = MG_TLS_STATE_SERVER_NEGOTIATED; return -1; } tls->rmg_alert = 116; mg_error(c, "the client sent no certificate"); return -1; } /* rmg hook 20: no client certificate, where that is allowed; else certificate_required (hook 62) */'
  '      if (tls->cert_requested && tls->cert_der.len == 0) { struct tls_enc hs_keys = tls->enc; mg_tls_generate_application_keys(c); tls->app_keys = tls->enc; tls->enc = hs_keys; if (!mg_tls_send_cert(c, true) || !mg_tls_client_send_finish(c)) return false; tls->enc = tls->app_keys; } else /* rmg hook 21: asked for a certificate it has not: an empty one */'
  '      c->is_tls_hs = 0; mg_call(c, MG_EV_TLS_HS, NULL); /* rmg hook 22: a server'"'"'s handshake ends with MG_EV_TLS_HS, as a client'"'"'s */'
  '  if (wio->size < wio->len + sizeof(hdr) + encsz && !mg_iobuf_resize(wio, wio->len + sizeof(hdr) + encsz)) return false; memcpy(wio->buf + wio->len, hdr, sizeof(hdr)); wio->len += sizeof(hdr); if (0) /* rmg hook 23: grow the send buffer only when a record does not fit */'
  '  } { while (tls->send.len > 0 && (n = mg_io_send(c, tls->send.buf, tls->send.len)) > 0) { size_t rmg_n = (size_t) n; if (rmg_n < tls->send.len) memmove(tls->send.buf, tls->send.buf + rmg_n, tls->send.len - rmg_n); tls->send.len -= rmg_n; } /* rmg hook 24: sent ciphertext leaves the buffer without a byte-wise wipe */'
  '    explicit_bzero((void *) buf, len); return; /* rmg hook 25: the same wipe, not optimised away, with wide stores */'
  '          { extern int rmg_ws_auto_pong(const struct mg_connection *); if (rmg_ws_auto_pong(c)) mg_ws_send(c, s, msg.data_len, WEBSOCKET_OP_PONG); } if (0) /* rmg hook 26: the application may answer PINGs itself */'
  '    if (c->is_hexdumping) { extern void rmg_wire(struct mg_connection *, const void *, long, int); rmg_wire(c, buf, n, !r); } if (0) /* rmg hook 27: a wiretap records the bytes for Java */'
  '        (cookie_count = 0) || /* rmg hook 28: several Cookie lines are no malformed request */'
  '    if (msg[0] == 1 && msg[1] == 0) { c->is_draining = 1; mg_tls_drop_record(c); return MG_IO_WAIT; } /* rmg hook 29: close_notify ends the connection as a FIN does */'
  '  { uint16_t rmg_i; int rmg_aes = 0; for (rmg_i = 0; rmg_i + 1 < cipher_suites_len; rmg_i += 2) { if (rio->buf[46 + session_id_len + rmg_i] == 0x13 && rio->buf[47 + session_id_len + rmg_i] == 0x01) rmg_aes = 1; } if (!rmg_aes) goto fail; } /* rmg hook 30: a client that does not offer TLS_AES_128_GCM_SHA256 gets no handshake */'
  'void rmg_tls_close_notify(struct mg_connection *c) { static const uint8_t rmg_alert[2] = {1, 0}; if (c->tls == NULL || c->is_tls_hs || !mg_tls_encrypt(c, rmg_alert, sizeof(rmg_alert), MG_TLS_ALERT)) return; c->is_tls_throttled = 1; if (mg_tls_send(c, "", 0) == MG_IO_ERR) c->is_closing = 1; } /* rmg hook 31: a close_notify after what the stack holds; mg_tls_send of a throttled connection only sends */'
  '    if (c->is_draining && !c->is_closing && c->is_tls && !c->is_tls_hs && c->send.len == 0) { extern int rmg_tls_closing(struct mg_connection *); extern void rmg_tls_close_notify(struct mg_connection *); if (rmg_tls_closing(c)) rmg_tls_close_notify(c); } /* rmg hook 32: a graceful close sends a close_notify first */'
  '      char rmg_low[256]; if (tn.len < sizeof(rmg_low)) { size_t rmg_i; for (rmg_i = 0; rmg_i < tn.len; rmg_i++) rmg_low[rmg_i] = (char) tolower((unsigned char) tn.buf[rmg_i]); tn = mg_str_n(rmg_low, tn.len); } /* rmg hook 33: the SAN compared without case, as the host name is lower-cased */'
  '          if (0) /* rmg hook 34: the head is counted once, with the (empty) body, below */'
  '  uint8_t rmg_secret[2][32]; uint32_t rmg_hs_skip; /* rmg hook 35: the application traffic secrets (server, client), for KeyUpdate; bytes of a split post-handshake message still to skip */'
  '  memcpy(tls->rmg_secret[0], server_secret, 32); memcpy(tls->rmg_secret[1], client_secret, 32); /* rmg hook 36: kept for KeyUpdate */'
  'static void rmg_tls_next_keys(struct mg_connection *c, int server) { struct tls_data *tls = (struct tls_data *) c->tls; uint8_t *s = tls->rmg_secret[server ? 0 : 1]; uint8_t next[32]; mg_tls_derive_secret("tls13 traffic upd", s, 32, NULL, 0, next, 32); memcpy(s, next, 32); explicit_bzero(next, sizeof(next)); mg_tls_derive_secret("tls13 key", s, 32, NULL, 0, server ? tls->enc.server_write_key : tls->enc.client_write_key, 16); mg_tls_derive_secret("tls13 iv", s, 32, NULL, 0, server ? tls->enc.server_write_iv : tls->enc.client_write_iv, 12); if (server) tls->enc.sseq = 0; else tls->enc.cseq = 0; } static int rmg_tls_key_update(struct mg_connection *c) { static const uint8_t rmg_ku[5] = {24, 0, 0, 1, 0}; struct tls_data *tls = (struct tls_data *) c->tls; if (tls->send.len > 1048576) { mg_error(c, "TLS KeyUpdate requests faster than the peer reads"); return 0; } if (!mg_tls_encrypt(c, rmg_ku, sizeof(rmg_ku), MG_TLS_HANDSHAKE)) { mg_error(c, "TLS OOM"); return 0; } rmg_tls_next_keys(c, !c->is_client); c->is_tls_throttled = 1; if (mg_tls_send(c, "", 0) == MG_IO_ERR) c->is_closing = 1; return 1; } /* rmg hook 37: KeyUpdate, the next keys of one direction and our own update */'
  '    if (tls->recv_len > 16384) { mg_error(c, "TLS record overflow"); return -1; } if (tls->content_type == MG_TLS_APP_DATA && tls->recv_len == 0) { mg_tls_drop_record(c); continue; } if (tls->content_type != MG_TLS_APP_DATA) { extern int rmg_tls_post_handshake(struct mg_connection *, unsigned, const unsigned char *, size_t, uint32_t *); int rmg_a = rmg_tls_post_handshake(c, tls->content_type, &c->rtls.buf[tls->recv_offset], tls->recv_len, &tls->rmg_hs_skip); if (rmg_a < 0) return -1; if (rmg_a & 1) rmg_tls_next_keys(c, c->is_client); if ((rmg_a & 2) && !rmg_tls_key_update(c)) return -1; } /* rmg hook 38: after the handshake, records by RFC 8446 5.1 and 4.6.3 */'
  '    } else if (rio->buf[0] == MG_TLS_CHANGE_CIPHER && !c->is_tls_hs) { mg_error(c, "TLS ChangeCipherSpec after the handshake"); return -1; /* rmg hook 39: RFC 8446 5, an unexpected record once the handshake is done */'
  '  struct mg_iobuf rmg_hs; /* rmg hook 40: a handshake message split over encrypted records, put together by hook 41 */'
  '  if (c->is_tls_hs) { extern int rmg_tls_gather(struct mg_connection *, struct mg_iobuf *, unsigned, const unsigned char *, size_t); int rmg_g = rmg_tls_gather(c, &tls->rmg_hs, tls->content_type, msg, (size_t) msgsz - 17); if (rmg_g < 0) return -1; if (rmg_g == 0) { c->is_client ? tls->enc.sseq++ : tls->enc.cseq++; return mg_tls_recv_record(c); } if (rmg_g == 2) { msg = rio->buf + 5; msgsz = (uint16_t) MG_LOAD_BE16(rio->buf + 3); r = msgsz - 16 - 1; } } /* rmg hook 41: a handshake message split over records (RFC 8446 5.1), put together */'
  '  { extern int rmg_tls_join_hello(struct mg_connection *); int rmg_j = rmg_tls_join_hello(c); if (rmg_j <= 0) return rmg_j < 0 ? -1 : MG_IO_WAIT; } /* rmg hook 42: a ClientHello split over records, joined */'
  '  { extern int rmg_tls_join_hello(struct mg_connection *); int rmg_j = rmg_tls_join_hello(c); if (rmg_j <= 0) return rmg_j < 0 ? -1 : MG_IO_WAIT; } /* rmg hook 43: a ServerHello split over records, joined */'
  '    mg_iobuf_free(&tls->rmg_hs); /* rmg hook 44: hook 41 buffer */'
  '    extern int rmg_unread(const struct mg_connection *); if ((evs[i].events & EPOLLERR) && !c->is_udp && !c->is_listening && !c->is_connecting && can_read(c) && rmg_unread(c) > 0) { c->is_readable = 1; } else /* rmg hook 45: the bytes before a reset are read first, then the error */'
  'static int rmg_tls_finished_ok(struct mg_connection *c, int from_server) { struct tls_data *tls = (struct tls_data *) c->tls; const uint8_t *m = &c->rtls.buf[tls->recv_offset]; mg_sha256_ctx h; uint8_t hash[32], want[32], d = 0; size_t i; if (tls->recv_len < 4 || m[0] != MG_TLS_FINISHED) return 1; if (tls->recv_len < 36 || MG_LOAD_BE24(m + 1) != 32) { tls->rmg_alert = 50; mg_error(c, "malformed TLS Finished"); return 0; } memmove(&h, &tls->sha256, sizeof(h)); mg_sha256_final(hash, &h); mg_hmac_sha256(want, from_server ? tls->enc.server_finished_key : tls->enc.client_finished_key, 32, hash, 32); for (i = 0; i < 32; i++) d |= (uint8_t) (want[i] ^ m[4 + i]); if (d != 0) { tls->rmg_alert = 51; mg_error(c, "TLS Finished does not verify (RFC 8446 4.4.4)"); return 0; } return 1; } /* rmg hook 46: the peer Finished, checked */'
  '      if (mg_tls_recv_record(c) < 0 || !rmg_tls_finished_ok(c, 1)) break; /* rmg hook 47: the server Finished verifies */'
  '      if (mg_tls_recv_record(c) < 0 || !rmg_tls_finished_ok(c, 0)) break; /* rmg hook 48: the client Finished verifies */'
  '        if (is_client && tls->ca_der.len == 0 && tls->ca_bundle_len == 0) { /* rmg hook 49: the JDK (hook 1) verifies a client its chain, in any order */ } else'
  '  if (n == MG_IO_ERR && !c->is_udp) { extern int rmg_unread(const struct mg_connection *); while (!c->is_closing && !c->is_full && rmg_unread(c) > 0) read_conn(c); } /* rmg hook 50: the bytes before a reset are read before a failed send closes the connection */'
  '    { extern int rmg_tcp_eof(struct mg_connection *); n = recv(FD(c), (char *) buf, len, MSG_NONBLOCKING); if (n == 0 && rmg_tcp_eof(c)) return MG_IO_WAIT; } if (0) /* rmg hook 51: a FIN ends the reading of a half-closing raw TCP connection only */'
  '  uint8_t rmg_alert, rmg_alerted; /* rmg hook 52: the fatal alert a failure of the current handshake step sends (0: none), and whether one was sent (hook 61) */'
  'static _Thread_local struct { int why; struct mg_str when; } rmg_cert_date; /* rmg hook 53: why mg_tls_parse_cert_der refused a certificate'"'"'s dates (1: not yet valid, 2: expired), for hook 56 */'
  '      rmg_cert_date.why = 1; rmg_cert_date.when = mg_str_n((char *) before.value, before.len); /* rmg hook 54 */'
  '      rmg_cert_date.why = 2; rmg_cert_date.when = mg_str_n((char *) after.value, after.len); /* rmg hook 55 */'
  '      rmg_cert_date.why = 0; if (mg_tls_parse_cert_der(cert, certsz, ci) < 0) { tls->rmg_alert = rmg_cert_date.why == 2 ? 45 : 42; if (rmg_cert_date.why != 0) mg_error(c, "%s certificate %s (%s %.*s)", ci != certs ? "CA" : is_client ? "server" : "client", rmg_cert_date.why == 2 ? "expired" : "not yet valid", rmg_cert_date.why == 2 ? "notAfter" : "notBefore", (int) rmg_cert_date.when.len, rmg_cert_date.when.buf); else mg_error(c, "failed to parse certificate"); return -1; } if (0) /* rmg hook 56: an expired certificate says so (certificate_expired) */'
  '  tls->rmg_alert = 42; /* rmg hook 57: a certificate the checks below refuse: bad_certificate, unless they say otherwise */'
  '    if (!found_ca && tls->ca_der.len > 0) tls->rmg_alert = 48; /* rmg hook 58: a chain the one CA did not sign: unknown_ca */'
  '  tls->rmg_alert = 0; /* rmg hook 59: the certificate passed */'
  '  tls->rmg_alert = 51; /* rmg hook 60: a CertificateVerify that does not verify: decrypt_error */'
  'int rmg_tls_alert(struct mg_connection *c, int desc) { struct tls_data *tls = (struct tls_data *) c->tls; struct tls_enc keep; uint8_t rmg_a[2]; long n; bool ok; if (tls == NULL || tls->rmg_alerted) return 0; if (desc < 0) desc = tls->rmg_alert; if (desc <= 0 || desc > 255) return 0; if (c->is_client && c->is_tls_hs && tls->state < MG_TLS_STATE_CLIENT_WAIT_EE) return 0; rmg_a[0] = 2; rmg_a[1] = (uint8_t) desc; keep = tls->enc; if (c->is_tls_hs && !c->is_client && tls->state == MG_TLS_STATE_SERVER_START) { uint8_t rmg_rec[7] = {MG_TLS_ALERT, 3, 3, 0, 2, 2, (uint8_t) desc}; ok = mg_iobuf_add(&tls->send, tls->send.len, rmg_rec, sizeof(rmg_rec)) == sizeof(rmg_rec); } else { if (c->is_tls_hs && !c->is_client) { if (tls->is_twoway) tls->enc = tls->app_keys; else mg_tls_generate_application_keys(c); } ok = mg_tls_encrypt(c, rmg_a, sizeof(rmg_a), MG_TLS_ALERT); if (c->is_tls_hs && !c->is_client) { if (tls->is_twoway) tls->app_keys = tls->enc; tls->enc = keep; } } explicit_bzero(&keep, sizeof(keep)); if (!ok) return 0; tls->rmg_alerted = 1; while (tls->send.len > 0 && (n = mg_io_send(c, tls->send.buf, tls->send.len)) > 0) { size_t rmg_n = (size_t) n; if (rmg_n < tls->send.len) memmove(tls->send.buf, tls->send.buf + rmg_n, tls->send.len - rmg_n); tls->send.len -= rmg_n; } tls->recv_len = 0; c->rtls.len = 0; return desc; } /* rmg hook 61: a fatal alert, sealed with the keys the peer reads with (a server'"'"'s: its application keys once it sent its Finished; a client'"'"'s: its handshake keys, then its application keys) and sent at once */'
  '  tls->rmg_alert = 0; /* rmg hook 62: a step'"'"'s alert is for its own failure only */'
  '  tls->rmg_alert = 40; /* rmg hook 63: a ClientHello the stack cannot answer (TLS 1.2 only, no X25519 key share, no TLS_AES_128_GCM_SHA256, malformed): handshake_failure, in a plaintext record (hook 61) */'
  '      tls->rmg_alert = 47; mg_error(c, "%s CertificateVerify scheme 0x%04x not offered", c->is_client ? "server" : "client", sigalg); return -1; /* rmg hook 64: a signature scheme we cannot verify: illegal_parameter, and the handshake fails at once */'
  '  { static const uint8_t rmg_req[31] = {13, 0, 0, 27, 0, 0, 24, 0, 13, 0, 6, 0, 4, 4, 3, 8, 4, 0, 50, 0, 10, 0, 8, 4, 3, 5, 3, 4, 1, 5, 1}; mg_sha256_update(&tls->sha256, rmg_req, sizeof(rmg_req)); return mg_tls_encrypt(c, rmg_req, sizeof(rmg_req), MG_TLS_HANDSHAKE); } /* rmg hook 65: the CertificateRequest lists the schemes the server verifies */'
  '  memset(hm, 0, offsetof(struct mg_http_message, headers) + sizeof(hm->headers[0])); memset(&hm->body, 0, sizeof(*hm) - offsetof(struct mg_http_message, body)); if (0) /* rmg hook 66: the header slots are not zeroed (hook 67 marks the end) */'
  '    memset(&h[i], 0, sizeof(h[i])); /* rmg hook 67: the slot after the last header is the end marker */'
)
cp "$in" "$out.tmp"
for i in "${!anchors[@]}"; do
  n=$(grep -cF -- "${anchors[$i]}" "$out.tmp" || true)
  if [ "$n" != 1 ]; then
    echo "hook-mongoose.sh: anchor $((i + 1)) occurs $n times in $in (want 1): ${anchors[$i]}" >&2
    rm -f "$out.tmp"
    exit 1
  fi
  awk -v a="${anchors[$i]}" -v h="${lines[$i]}" 'index($0, a) > 0 { print h } { print }' "$out.tmp" > "$out.tmp2"
  mv "$out.tmp2" "$out.tmp"
done
mv "$out.tmp" "$out"
