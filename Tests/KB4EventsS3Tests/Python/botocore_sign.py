"""Signs a JSON table of requests (stdin) with botocore's own SigV4 signers and prints, per request, the
Authorization header, the path botocore puts on the wire and the x-amz-content-sha256 it sends.

S3 cases use botocore.auth.S3SigV4Auth (the SigV4Auth subclass botocore's S3 client uses) with the key encoded the
way botocore's REST serializer encodes `{Key+}` (percent_encode(key, safe='/~')); other services use
botocore.auth.SigV4Auth itself. The clock is frozen at each case's epoch second.
"""
import datetime
import hashlib
import json
import sys

import botocore
import botocore.auth as auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.utils import percent_encode

out = []
for case in json.load(sys.stdin):
    when = datetime.datetime.fromtimestamp(case["epoch"], tz=datetime.timezone.utc).replace(tzinfo=None)
    auth.get_current_datetime = lambda when=when: when
    if case["service"] == "s3":
        path = ""
        if case.get("bucket"):
            path += "/" + percent_encode(case["bucket"])
        path += "/" + percent_encode(case["key"], safe="/~") if case.get("key") is not None else ("" if path else "/")
    else:
        path = "/"
    url = f'{case["scheme"]}://{case["host"]}{path}'
    body = bytes.fromhex(case["body_hex"])
    request = AWSRequest(method=case["method"], url=url, headers=dict(case["headers"]), data=body,
                         params=[tuple(p) for p in case["query"]])
    creds = Credentials(case["access_key"], case["secret"], case.get("token"))
    signer = (auth.S3SigV4Auth if case["service"] == "s3" else auth.SigV4Auth)(creds, case["service"], case["region"])
    signer.add_auth(request)
    out.append({
        "authorization": request.headers["Authorization"],
        "path": path,
        "content_sha256": request.headers.get("X-Amz-Content-SHA256"),
        "date": request.headers["X-Amz-Date"],
        "body_sha256": hashlib.sha256(body).hexdigest(),
    })
print(json.dumps({"botocore": botocore.__version__, "results": out}))
