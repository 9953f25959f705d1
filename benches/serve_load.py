#!/usr/bin/env python3
"""A bounded load test of `luyu serve` on loopback (BENCHMARKS.md, "luyu serve").

    python3 benches/serve_load.py --luyu target/release/luyu --warehouse WH --as-of 2020-11 \
        --upload DIR [--clients 20] [--seconds 30]

Starts `luyu serve` on a free loopback port over the warehouse WH, waits until the dashboard
of --as-of is computed, then for --seconds runs --clients concurrent clients (each with its own
session) over the dashboard, a list, the reports page and a static file, while one more client
uploads the files of --upload and waits for their ingest. Prints per page the requests, errors
and p50 / p95 / max latency. Only loopback is contacted, and every loop stops by itself.
Standard library only.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

def request(base, path, cookie, data=None, headers=None):
    req = urllib.request.Request(base + path, data=data, headers=headers or {})
    if cookie[0]:
        req.add_header("Cookie", cookie[0])
    opener = urllib.request.build_opener(NoRedirect)
    try:
        r = opener.open(req, timeout=120)
        status, body, hdrs = r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        status, body, hdrs = e.code, e.read(), e.headers
    for c in hdrs.get_all("Set-Cookie") or []:
        cookie[0] = c.split(";")[0]
    return status, body


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def csrf_of(body):
    m = re.search(rb'name="csrf" content="([0-9a-f]+)"', body)
    return m.group(1).decode() if m else ""


def wait_job(base, cookie, job):
    while True:
        _, b = request(base, f"/api/jobs/{job}", cookie)
        s = json.loads(b)
        if s.get("state") != "running":
            return s
        time.sleep(0.2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--luyu", required=True)
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("--as-of", required=True)
    ap.add_argument("--upload", required=True)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()

    server = subprocess.Popen([a.luyu, "serve", "--listen", "127.0.0.1:0", "--warehouse", a.warehouse],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = server.stdout.readline()
    threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
    base = "http://" + line.split("http://")[1].strip().rstrip("/")
    try:
        cookie = [""]
        dash = f"/dashboard?as_of={a.as_of}"
        t0 = time.time()
        while True:
            _, body = request(base, dash, cookie)
            m = re.search(rb'data-job="(\d+)"', body)
            if not m:
                break
            wait_job(base, cookie, int(m.group(1)))
        print(f"dashboard of {a.as_of} computed in {time.time() - t0:.1f} s (first view)")
        pages = [dash, f"/list/persons?as_of={a.as_of}&indicator=local", f"/reports?as_of={a.as_of}", "/static/app.css"]
        results = {p: [] for p in pages}
        errors = {p: 0 for p in pages}
        lock = threading.Lock()
        stop = time.time() + a.seconds

        def client(i):
            c = [""]
            request(base, "/", c)
            n = i
            while time.time() < stop:
                p = pages[n % len(pages)]
                n += 1
                s = time.perf_counter()
                try:
                    status, _ = request(base, p, c)
                    ok = status == 200
                except Exception:
                    ok = False
                d = (time.perf_counter() - s) * 1000
                with lock:
                    results[p].append(d)
                    errors[p] += 0 if ok else 1

        upload_report = {}

        def uploader():
            c = [""]
            _, body = request(base, "/upload", c)
            token = csrf_of(body)
            boundary = "luyuloadtest"
            parts = []
            for name in sorted(os.listdir(a.upload)):
                with open(os.path.join(a.upload, name), "rb") as f:
                    data = f.read()
                parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n\r\n".encode() + data + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            s = time.time()
            status, reply = request(base, "/upload", c, data=body, headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}", "X-CSRF-Token": token})
            upload_report["status"] = status
            if status == 200:
                st = wait_job(base, c, json.loads(reply)["job"])
                upload_report["state"] = st.get("state")
                upload_report["message"] = st.get("message")
            upload_report["seconds"] = time.time() - s

        threads = [threading.Thread(target=client, args=(i,)) for i in range(a.clients)]
        up = threading.Thread(target=uploader)
        up.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        up.join(timeout=600)
        total_err = sum(errors.values())
        print(f"{a.clients} clients for {a.seconds:.0f} s, with an upload of {len(os.listdir(a.upload))} files ingesting:")
        allv = []
        for p in pages:
            v = sorted(results[p])
            allv += v
            if v:
                p95 = v[min(len(v) - 1, int(len(v) * 0.95))]
                print(f"  {p:55} {len(v):6} requests, {errors[p]} errors, p50 {statistics.median(v):7.1f} ms, p95 {p95:7.1f} ms, max {v[-1]:7.1f} ms")
        allv.sort()
        if allv:
            print(f"  all: {len(allv)} requests, {total_err} errors, p50 {statistics.median(allv):.1f} ms, p95 {allv[int(len(allv) * 0.95)]:.1f} ms")
        print(f"  upload: {upload_report}")
        sys.exit(1 if total_err or upload_report.get("state") != "done" else 0)
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
