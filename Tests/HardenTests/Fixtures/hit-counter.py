# A small HTTP app for brig harden's tests: counts the requests it served in a file of its
# state directory (made if missing), and answers each GET with the count.
import http.server
import os
import sys

state = os.environ.get("STATE_DIRECTORY", "/var/lib/brig-harden-hits")
port = int(sys.argv[1])
os.makedirs(state, exist_ok=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = os.path.join(state, "hits")
        try:
            with open(path) as f:
                hits = int(f.read())
        except FileNotFoundError:
            hits = 0
        hits += 1
        with open(path + ".new", "w") as f:
            f.write(str(hits))
        os.rename(path + ".new", path)
        body = f"hits {hits}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
