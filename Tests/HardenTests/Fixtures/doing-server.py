# An HTTP app for brig harden's tests that does, on each GET, what its arguments say, so that a
# test's unit shows in one line what the service does:
#   read:PATH   open PATH for reading
#   rw:PATH     open PATH for reading and writing (a device node, say)
#   write:PATH  write PATH, making its directory first
#   --bind ADDR listen on ADDR (127.0.0.1 unless given; ::1 for IPv6)
#   --become UID:GID  switch to that user and group itself once listening, as daemons do
# The first argument is the port; under socket activation ($LISTEN_FDS set) the listener is
# descriptor 3 instead, as systemd hands it over.
import http.server
import os
import socket
import sys

port = int(sys.argv[1])
actions = sys.argv[2:]
address, become = "127.0.0.1", None
if "--bind" in actions:
    address = actions[actions.index("--bind") + 1]
if "--become" in actions:
    become = actions[actions.index("--become") + 1]


def act():
    for action in actions:
        kind, _, path = action.partition(":")
        if kind == "read":
            os.close(os.open(path, os.O_RDONLY))
        elif kind == "rw":
            os.close(os.open(path, os.O_RDWR))
        elif kind == "write":
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write("seen\n")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        act()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


class Server(http.server.HTTPServer):
    address_family = socket.AF_INET6 if ":" in address else socket.AF_INET


if os.environ.get("LISTEN_FDS") == "1":
    server = Server(None, Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = socket.socket(fileno=3)
else:
    server = Server((address, port), Handler)
if become:
    uid, gid = (int(n) for n in become.split(":"))
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
server.serve_forever()
