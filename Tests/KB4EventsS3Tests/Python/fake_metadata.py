"""A stand-in for the ECS/EKS container credentials endpoint and EC2's IMDSv2, on 127.0.0.1 and a free port.

PUT /latest/api/token (with the TTL header) gives a session token; the IMDS paths require it. GET /container/creds
requires `Authorization: container-secret`. Prints one JSON line, serves until stdin closes.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDS = {"AccessKeyId": "ASIAFAKEFAKEFAKE", "SecretAccessKey": "fake-secret", "Token": "fake-token",
         "Expiration": "2099-01-01T00:00:00Z"}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_PUT(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self.answer(200, "imds-session-token")
        else:
            self.answer(400, "bad token request")

    def do_GET(self):
        if self.path == "/container/creds":
            if self.headers.get("Authorization") != "container-secret":
                return self.answer(401, "no")
            return self.answer(200, json.dumps(dict(CREDS, AccessKeyId="ASIACONTAINER")), "application/json")
        if self.headers.get("X-aws-ec2-metadata-token") != "imds-session-token":
            return self.answer(401, "IMDSv2 token required")
        if self.path == "/latest/meta-data/iam/security-credentials/":
            return self.answer(200, "kb4-role")
        if self.path == "/latest/meta-data/iam/security-credentials/kb4-role":
            return self.answer(200, json.dumps(dict(CREDS, AccessKeyId="ASIAINSTANCE", Code="Success")), "application/json")
        self.answer(404, "not found")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(json.dumps({"endpoint": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
sys.stdin.read()
