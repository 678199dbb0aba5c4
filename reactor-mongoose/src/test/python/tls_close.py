# SPDX-License-Identifier: GPL-2.0-only
# How a TLS peer of ours ends: with a close_notify ("close_notify") or a bare TCP close
# ("unexpected_eof"), as Python's ssl (OpenSSL) tells them apart with suppress_ragged_eofs=False.
#   tls_close.py CA PORT MODE         a client: MODE is the bytes it sends (a request), given
#                                     with \r\n escapes; "ws-close" upgrades and sends a close
#   tls_close.py CA 0 serve CERT KEY  a server for one client: prints its port, then reads
#                                     until the client's end
#   tls_close.py CA 0 serve-http CERT KEY  the same, answering the client's first request
#                                     (200, kept alive) before it reads on
# Prints one JSON line: {"end": ..., "bytes": N, "first": "<first line received>"}.
import json, os, socket, ssl, sys

def read_to_end(s):
    data = b''
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return data, 'close_notify'
            data += d
    except ssl.SSLError as e:  # SSLEOFError, or a plain SSLError on Debian's Python 3.11
        if 'UNEXPECTED_EOF' not in str(e):
            raise
        return data, 'unexpected_eof'
    except ConnectionResetError:
        return data, 'reset'

def strict(ctx):
    # Debian's Python sets OP_IGNORE_UNEXPECTED_EOF by default, which reports a bare close as a clean one
    ctx.options &= ~getattr(ssl, 'OP_IGNORE_UNEXPECTED_EOF', 0)
    return ctx

def report(data, end):
    first = data.split(b'\r\n', 1)[0].decode('latin-1')
    print(json.dumps({'end': end, 'bytes': len(data), 'first': first}), flush=True)

ca, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if mode in ('serve', 'serve-http'):
    ctx = strict(ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER))
    ctx.load_cert_chain(sys.argv[4], sys.argv[5])
    ls = socket.socket()
    ls.bind(('127.0.0.1', 0))
    ls.listen(1)
    print(ls.getsockname()[1], flush=True)
    c, _ = ls.accept()
    s = ctx.wrap_socket(c, server_side=True, suppress_ragged_eofs=False)
    if mode == 'serve-http':
        head = b''
        while b'\r\n\r\n' not in head:
            head += s.recv(1)
        s.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')
    report(*read_to_end(s))
    sys.exit(0)
ctx = strict(ssl.create_default_context(cafile=ca))
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', port)), server_hostname='localhost',
                    suppress_ragged_eofs=False)
if mode == 'ws-close':
    s.sendall(b'GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
              b'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n')
    head = b''
    while b'\r\n\r\n' not in head:
        head += s.recv(1)
    mask = os.urandom(4)
    payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b'\x03\xe8'))
    s.sendall(b'\x88\x82' + mask + payload)
    data, end = read_to_end(s)
    report(head + data, end)
else:
    s.sendall(mode.encode('latin-1').decode('unicode_escape').encode('latin-1'))
    report(*read_to_end(s))
