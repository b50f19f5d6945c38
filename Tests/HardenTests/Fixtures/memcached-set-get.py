# brig harden's workload for memcached: one set and one get over TCP; exits 0 when the value comes back.
import socket
import sys

connection = socket.create_connection(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 11211), timeout=5)
connection.sendall(b"set brig-harden 0 0 5\r\nhello\r\nget brig-harden\r\n")
reply = b""
while not reply.endswith(b"END\r\n"):
    chunk = connection.recv(4096)
    if not chunk:
        break
    reply += chunk
sys.exit(0 if b"VALUE brig-harden 0 5\r\nhello\r\n" in reply else 1)
