#!/usr/bin/env python3
# Dashboard pages: wall time and the server's CPU time per view (BENCHMARKS.md, "Dashboard first byte").
# usage: bench/dashboard-cpu.py <base url> <server pid> <views per page>  (signs in as admin@bench.test / bench-password-1)
import re, sys, time, urllib.request, urllib.parse, http.cookiejar, html as h, os
base = sys.argv[1]; pid = int(sys.argv[2]); runs = int(sys.argv[3])
pages = ["/", "/funnel", "/nurture", "/convert", "/expand", "/attribution"]
cj = http.cookiejar.CookieJar()
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k): return None
op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cj), NoRedirect)
tok = re.search(r'name="__RequestVerificationToken" value="([^"]+)"', op.open(base + "/login").read().decode()).group(1)
try: op.open(base + "/login", urllib.parse.urlencode({"__RequestVerificationToken": h.unescape(tok), "_handler": "login", "Input.Email": "admin@bench.test", "Input.Password": "bench-password-1"}).encode())
except urllib.error.HTTPError: pass
tick = os.sysconf("SC_CLK_TCK")
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
for p in pages:
    op.open(base + p).read()  # fills what the page keeps
    c0 = cpu(); walls = []
    for _ in range(runs):
        t = time.time(); op.open(base + p).read(); walls.append(time.time() - t)
    c1 = cpu(); walls.sort()
    print(f"{p:14} wall median {walls[len(walls)//2]*1000:7.0f} ms   server CPU per view {(c1-c0)/runs*1000:7.0f} ms")
