"""A stand-in for the ECS/EKS container credentials endpoint and EC2's IMDSv2, plus a misbehaving S3 bucket, on
127.0.0.1 and a free port.

PUT /latest/api/token (with the TTL header) gives a session token; the IMDS paths require it. GET /container/creds
requires `Authorization: container-secret`. GET /flaky/<fault>-<n>/<name> (path-style bucket `flaky`, signatures not
checked) fails the first n attempts at that path with <fault> (`slowdown`: 503 SlowDown, `internal`: 500
InternalError, `timeout`: no answer for 3 s), then answers 200 with the attempt count as the body;
GET /flaky/denied/<name> always answers 403 AccessDenied naming the attempt. Prints one JSON line, serves until stdin
closes.
"""
import json
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDS = {"AccessKeyId": "ASIAFAKEFAKEFAKE", "SecretAccessKey": "fake-secret", "Token": "fake-token",
         "Expiration": "2099-01-01T00:00:00Z"}


ATTEMPTS = Counter()
STORED = {}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="text/plain"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def put_token(self):
        if self.path == "/latest/api/token" and self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
            self.answer(200, "imds-session-token")
        else:
            self.answer(400, "bad token request")

    def flaky(self):
        ATTEMPTS[self.path] += 1
        attempt = ATTEMPTS[self.path]
        fault = self.path.split("/")[2]
        if fault == "denied":
            body = f"<Error><Code>AccessDenied</Code><Message>Access Denied (attempt {attempt})</Message></Error>"
            return self.answer(403, body, "application/xml")
        kind, _, count = fault.partition("-")
        if attempt <= int(count):
            if kind == "timeout":
                time.sleep(3)
                return self.answer(200, "too late")
            status, code = (503, "SlowDown") if kind == "slowdown" else (500, "InternalError")
            return self.answer(status, f"<Error><Code>{code}</Code><Message>try again</Message></Error>", "application/xml")
        self.send_response(200)
        self.send_header("ETag", '"flaky"')
        self.send_header("Content-Length", str(len(str(attempt))))
        self.end_headers()
        self.wfile.write(str(attempt).encode())

    def do_PUT(self):
        if not self.path.startswith("/flaky/"):
            return self.put_token()
        # /flaky/lost-<who>/<name>: the first attempt is applied but never answered (the client times out); later
        # attempts find the object and answer 412. `who` = mine: the stored checksum is the client's; other: another
        # writer's.
        ATTEMPTS[self.path] += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if ATTEMPTS[self.path] == 1:
            mine = self.path.split("/")[2] == "lost-mine"
            STORED[self.path] = self.headers.get("x-amz-checksum-sha256") if mine else "b3RoZXI="
            time.sleep(3)
            return self.answer(200, "")
        self.answer(412, "<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you "
                         "specified did not hold</Message></Error>", "application/xml")

    def do_HEAD(self):
        if self.path not in STORED:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            return self.end_headers()
        self.send_response(200)
        self.send_header("ETag", '"stored"')
        self.send_header("Content-Length", "0")
        if self.headers.get("x-amz-checksum-mode") == "ENABLED":
            self.send_header("x-amz-checksum-sha256", STORED[self.path])
        self.end_headers()

    def do_GET(self):
        if self.path.startswith("/flaky/"):
            return self.flaky()
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
