"""Starts moto (S3, IAM, STS) in server mode on 127.0.0.1 and a free port for the Swift tests.

Usage: moto_server.py [--ipv6] [--tls CERT KEY] main BUCKET...
                                  an IAM user with an access key and an allow-all inline policy, the buckets
       moto_server.py webidentity BUCKET a role with an s3:* policy, the bucket
--ipv6 also serves the same moto on [::1] (endpoint_ipv6), --tls also serves it over HTTPS on 127.0.0.1 with that PEM
certificate and key (endpoint_tls): one moto state behind every listener, so the plain endpoint reads what the others
wrote.
STS AssumeRoleWithWebIdentity is always let through unsigned, as AWS does (the token is the credential; moto would
otherwise count it against INITIAL_NO_AUTH_ACTION_COUNT), so any number of processes can assume the role.
INITIAL_NO_AUTH_ACTION_COUNT is set to exactly the number of set-up requests: every later
request must carry a correct SigV4 signature. Prints one JSON line, then serves until stdin closes (the test
process ended), so no server outlives its tests.
"""
import json
import os
import socket
import sys
import threading

args = sys.argv[1:]
ipv6 = tls = None
while args and args[0].startswith("--"):
    if args[0] == "--ipv6":
        ipv6, args = True, args[1:]
    elif args[0] == "--tls":
        tls, args = (args[1], args[2]), args[3:]
    else:
        sys.exit(f"unknown option {args[0]}")
mode, buckets = args[0], args[1:]
setup_requests = (3 if mode == "main" else 2) + len(buckets)
os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = str(setup_requests)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
import threading  # noqa: E402

from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app  # noqa: E402
from moto.server import ThreadedMotoServer  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

_check = ActionAuthenticatorMixin._authenticate_and_authorize_action


def _check_all_but_web_identity(self, iam_request_cls, resource="*"):
    if self._get_action() == "AssumeRoleWithWebIdentity":
        return
    _check(self, iam_request_cls, resource)


ActionAuthenticatorMixin._authenticate_and_authorize_action = _check_all_but_web_identity

# moto checks `If-None-Match: *` / `If-Match` and then stores the object with no lock between the two, so two of
# eight concurrent conditional PUTs sometimes both win (seen with botocore alone: 3 of 240 rounds of 8; none in 180 with this lock). S3 makes the
# check and the write one atomic step, and the lease and the manifest swap rely on that: conditional PUTs are
# serialized here so the tests see S3's rule, not moto's race. Unconditional PUTs still run concurrently.
from moto.s3.responses import S3Response  # noqa: E402

_put_object = S3Response.put_object
_conditional_put = threading.Lock()


def _put_object_atomically(self):
    if self.headers.get("If-None-Match") or self.headers.get("If-Match"):
        with _conditional_put:
            return _put_object(self)
    return _put_object(self)


S3Response.put_object = _put_object_atomically

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
endpoint = f"http://127.0.0.1:{port}"
config = Config(retries={"max_attempts": 1, "mode": "standard"})
session = boto3.session.Session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name="us-east-1")
iam = session.client("iam", endpoint_url=endpoint, config=config)
s3 = session.client("s3", endpoint_url=endpoint, config=config)
allow_all = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
info = {"endpoint": endpoint, "port": port, "auth_after": int(os.environ["INITIAL_NO_AUTH_ACTION_COUNT"])}


def also_serve(host, ssl_context=None):
    """Another listener on the same moto state (moto's backends live in this process); returns its port."""
    extra = make_server(host, 0, DomainDispatcherApplication(create_backend_app), True,
                        request_handler=MotoRequestHandler, ssl_context=ssl_context)
    threading.Thread(target=extra.serve_forever, daemon=True).start()
    return extra.server_address[1]


if ipv6:
    info["endpoint_ipv6"] = f"http://[::1]:{also_serve('::1')}"
if tls:
    info["endpoint_tls"] = f"https://127.0.0.1:{also_serve('127.0.0.1', tls)}"
if mode == "main":
    iam.create_user(UserName="kb4-events")
    key = iam.create_access_key(UserName="kb4-events")["AccessKey"]
    iam.put_user_policy(UserName="kb4-events", PolicyName="all", PolicyDocument=allow_all)
    info.update(access_key=key["AccessKeyId"], secret=key["SecretAccessKey"])
else:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/example"},
         "Action": "sts:AssumeRoleWithWebIdentity"}]})
    role = iam.create_role(RoleName="kb4-events-pod", AssumeRolePolicyDocument=trust)["Role"]
    s3_only = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    iam.put_role_policy(RoleName="kb4-events-pod", PolicyName="s3", PolicyDocument=s3_only)
    info.update(role_arn=role["Arn"])
for bucket in buckets:
    s3.create_bucket(Bucket=bucket)
print(json.dumps(info), flush=True)
sys.stdin.read()
os._exit(0)
