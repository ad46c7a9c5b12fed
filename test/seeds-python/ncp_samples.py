# The Python samples of NCP's Web Security Checker API reference (../shared/seeds), with their
# scraping typos fixed (`hmac.new(secret_key, ...)`, `pages` kept as the getJobs sample has it) and
# with only the host changed: https://wsc.apigw.ntruss.com -> WSC_BASE_URL.
# Usage: python3 ncp_samples.py <createJob|getJobs|searchJobs|stopJob|cancelJob|rediagnose> [arg]
import sys
import os
import hashlib
import hmac
import base64
import requests
import time
import json

BASE = os.environ["WSC_BASE_URL"]
ACCESS_KEY = os.environ["WSC_ACCESS_KEY"]
SECRET_KEY = os.environ["WSC_SECRET_KEY"]


def make_signature(method, uri, timestamp):

    access_key = ACCESS_KEY  # access key id (from portal or sub account)
    secret_key = SECRET_KEY  # secret key (from portal or sub account)
    secret_key = bytes(secret_key, 'UTF-8')

    method = method
    uri = uri

    message = method + " " + uri + "\n" + timestamp + "\n" + access_key
    message = bytes(message, 'UTF-8')
    signingKey = base64.b64encode(hmac.new(secret_key, message, digestmod=hashlib.sha256).digest())
    return signingKey


def call(method, uri, payload=None):
    timestamp = str(int(time.time() * 1000))
    signature = make_signature(method, uri, timestamp)
    headers = {
        'x-ncp-apigw-signature-v2': signature.decode('utf-8'),
        'x-ncp-apigw-timestamp': timestamp,
        'x-ncp-iam-access-key': ACCESS_KEY,
        'Content-Type': 'application/json'
    }
    if payload is None:
        response = requests.request(method, f"{BASE}{uri}", headers=headers)
    else:
        response = requests.request(
            method,
            f"{BASE}{uri}",
            headers=headers,
            data=json.dumps(payload),  # Json format required
        )
    print(json.dumps({"status": response.status_code, "body": json.loads(response.text)}))


def create_payload(start_url):
    return {
        "StartUrl": start_url,
        "ExcludeUrl": [
            start_url + "/event",
            start_url + "/robot.txt"
        ],
        "Headers": {
            "Upgrade-Insecure-Requests": "1",
            "Accept": "text/html.....",
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7",
            "Cookie": "XSRF-TOKEN=eyJ.....; PHPSESSIONID=e.....",
            "X-Custom-Header": "Bar"
        },
        "VulnItems": [
            "ALL"
        ],
        "UserAgent": "Android",
        "Speed": "1",
        "Memo": "OPEN API TEST"
    }


op = sys.argv[1]
arg = sys.argv[2] if len(sys.argv) > 2 else None
if op == 'createJob':
    call('PUT', '/api/v1/job', create_payload(arg))
elif op == 'rediagnose':
    start_url, master = arg.split(' ')
    payload = create_payload(start_url)
    payload["MasterInstanceNo"] = master
    call('PUT', '/api/v1/job', payload)
elif op == 'getJobs':
    call('GET', '/api/v1/jobs?pages=1&limit=10')
elif op == 'searchJobs':
    call('POST', '/api/v1/jobs/search', {
        "searchType": "url",
        "searchKeyword": arg,
        "statusCode": None,
        "limit": 1,
        "page": 1
    })
elif op == 'stopJob':
    call('PATCH', f'/api/v1/jobs/{arg}/stop')
elif op == 'cancelJob':
    call('PATCH', f'/api/v1/jobs/{arg}/cancel')
else:
    raise SystemExit("unknown operation " + op)
