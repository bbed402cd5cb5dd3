import json, os, socket, subprocess, sys, time
import pytest
from serving import raw
from ssohelper.serve import server
from ssohelper.serve.imds import TOKEN_PATH, TTL_HEADER, ROLE_PATH, TOKEN_HEADER
from ssohelper.settings import ProcessOptions
from helpers import ssohelper_cmd, ACCOUNT, ROLE

@pytest.fixture
def si(cli, config, emulator, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)
    assert cli("login", "--sso-session", "corp", "--no-browser").code == 0
    return emulator

def send(url, data):
    host, port = url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=5) as s:
        s.sendall(data)
        out = b""
        while c := s.recv(65536):
            out += c
    return out

def test_probe(si, capsys):
    _, ep = server.open_for("dev", ProcessOptions())
    hp = ep.url.split("//")[1].split("/")[0]
    t = ep.token
    r = []
    r.append(("pipelined", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost: {hp}\r\nAuthorization: x\r\n\r\nGET /credentials HTTP/1.1\r\nHost: {hp}\r\nAuthorization: {t}\r\n\r\n".encode())))
    r.append(("cl+te", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost: {hp}\r\nAuthorization: {t}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /x HTTP/1.1\r\n\r\n".encode())[:300]))
    r.append(("abs", send(ep.url, f"GET http://evil/credentials HTTP/1.1\r\nHost: {hp}\r\nAuthorization: {t}\r\n\r\n".encode())))
    r.append(("http10", send(ep.url, f"GET /credentials HTTP/1.0\r\nAuthorization: {t}\r\n\r\n".encode())))
    r.append(("http09", send(ep.url, f"GET /credentials\r\nHost: {hp}\r\nAuthorization: {t}\r\n\r\n".encode())[:200]))
    r.append(("upper", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost: LOCALHOST:{ep.url.split(':')[2].split('/')[0]}\r\nAuthorization: {t}\r\n\r\n".encode())[:40]))
    r.append(("dot", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost: {hp}.\r\nAuthorization: {t}\r\n\r\n".encode())))
    r.append(("tab auth", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost: {hp}\r\nAuthorization:\t{t}\t\r\n\r\n".encode())[:40]))
    r.append(("fold auth", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost: {hp}\r\nAuthorization:\r\n {t}\r\n\r\n".encode())[:40]))
    r.append(("query", send(ep.url, f"GET /credentials?token={t} HTTP/1.1\r\nHost: {hp}\r\n\r\n".encode())))
    r.append(("badmethod", send(ep.url, f'GE"T /credentials HTTP/1.1\r\nHost: {hp}\r\n\r\n'.encode())))
    r.append(("badver", send(ep.url, f'GET /credentials HTTP/1.1"x\r\nHost: {hp}\r\n\r\n'.encode())))
    r.append(("space host", send(ep.url, f"GET /credentials HTTP/1.1\r\nHost : evil\r\nHost: {hp}\r\nAuthorization: {t}\r\n\r\n".encode())[:40]))
    ep.stop()
    _, im = server.open_for("dev", ProcessOptions(), imds=True)
    for ttl in ("\xb2", "9" * 5000, "1_0"):
        r.append(("ttl " + ttl[:5], send(im.url, f"PUT {TOKEN_PATH} HTTP/1.1\r\nHost: {im.url.split('//')[1]}\r\n{TTL_HEADER}: {ttl}\r\n\r\n".encode("latin-1"))))
    im.stop()
    with open("/tmp/sa/out.txt","w") as f:
        for name, out in r:
            f.write("===== "+name+"\n"+out.decode("latin-1")+"\n")
    print("STDERR", capsys.readouterr().err[-3000:])
