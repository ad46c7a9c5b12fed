# Used only when the real `requests` package is not installed: the one call the NCP samples make,
# over the standard library, so the samples run unchanged on a bare python3.
import urllib.request
import urllib.error


class Response:
    def __init__(self, status_code, text):
        self.status_code = status_code
        self.text = text


def request(method, url, headers=None, data=None):
    body = data.encode('utf-8') if isinstance(data, str) else data
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req) as res:
            return Response(res.status, res.read().decode('utf-8'))
    except urllib.error.HTTPError as err:
        return Response(err.code, err.read().decode('utf-8'))
