"""A throw-away S3-compatible object store on loopback for `make stack` and the two-host tests: moto's server.

    python -m tools.objectstore ADDRESS PORT BUCKET

Starts moto's S3 server (requirements-dev.txt) on ADDRESS:PORT, makes BUCKET
readable by anyone (readers fetch uploads at the store's public address, with
no signature), prints "ready" and serves until SIGTERM or SIGINT. Everything
is kept in memory: the store, like the stack's database, lives as long as the
stack. The credentials are the stack's own (ACCESS_KEY, SECRET_KEY below).
"""

import json
import signal
import sys
import threading

ACCESS_KEY = "escribe-stack"
SECRET_KEY = "escribe-stack-secret"
REGION = "us-east-1"


def public_read_policy(bucket):
    """A bucket policy letting anyone GET its objects (moto, like S3, refuses anonymous reads without one)."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def make_bucket(endpoint, bucket):
    import boto3

    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY
    )
    client.create_bucket(Bucket=bucket)
    client.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))


def main(address, port, bucket):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=address, port=int(port), verbose=False)
    server.start()
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        make_bucket(f"http://{address}:{port}", bucket)
        print("ready", flush=True)
        stopping.wait()
    finally:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1].strip())
    main(*sys.argv[1:])
