#!/usr/bin/env python3
"""Recompute every field of handshake-v2.json from the seed, the intents, the context and the
retained secrets alone, as docs/PROTOCOL.md specifies version 2. Independent of callseal's code:
`cryptography` for X25519, HKDF and HMAC, `kyber-py` for ML-KEM-768 (FIPS 203).

    python3 -m venv venv && venv/bin/pip install cryptography kyber-py
    venv/bin/python verify_handshake_v2.py [handshake-v2.json]

Prints one line per run and "N passed, N failed"; exits 1 on any mismatch.
"""
import hashlib
import hmac
import json
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand
from kyber_py.ml_kem import ML_KEM_768

SRTP_SUITES = [0x0007, 0x0008, 0x0001, 0x0002]  # callseal's default preference order
SFRAME_SUITES = [0x0004, 0x0005, 0x0001, 0x0002, 0x0003]
SRTP_NAMES = {0x0007: "AEAD_AES_128_GCM", 0x0008: "AEAD_AES_256_GCM",
              0x0001: "AES_CM_128_HMAC_SHA1_80", 0x0002: "AES_CM_128_HMAC_SHA1_32"}
SRTP_LENGTHS = {0x0007: (16, 12), 0x0008: (32, 12), 0x0001: (16, 14), 0x0002: (16, 14)}
SFRAME_NAMES = {0x0004: "AES_128_GCM_SHA256_128", 0x0005: "AES_256_GCM_SHA512_128",
                0x0001: "AES_128_CTR_HMAC_SHA256_80", 0x0002: "AES_128_CTR_HMAC_SHA256_64",
                0x0003: "AES_128_CTR_HMAC_SHA256_32"}
INTENT = {"off": 0, "on": 1, "required": 2}


def chacha20_stream(seed, n):
    """rand_chacha's ChaCha20Rng from a 32-byte seed: the ChaCha20 keystream, nonce 0."""
    enc = Cipher(algorithms.ChaCha20(seed, b"\0" * 16), mode=None).encryptor()
    return enc.update(b"\0" * n)


def extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand(prk, info, n):
    return HKDFExpand(hashes.SHA256(), n, info).derive(prk)


def mac(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def continuity_id(rs):
    return mac(rs, b"callseal v2 continuity id")[:8]


def code(b):
    return " ".join("%05d" % (int.from_bytes(b[i:i + 5], "big") % 100000) for i in range(0, 20, 5))


def outcome(ci, ce):
    if {ci, ce} == {"required", "off"}:
        raise ValueError("refused")
    return "standard" if "off" in (ci, ce) else "end_to_end"


def check(r):
    errors = []

    def eq(name, got, want):
        if got != want:
            errors.append(name)

    h = bytes.fromhex
    seed, ctx = h(r["seed"]), h(r["context"])
    stream = chacha20_stream(seed, 160)
    cx, ex, d, z, m = (stream[i:i + 32] for i in range(0, 160, 32))
    caller_rs = [h(x) for x in r["caller"]["retained"]]
    callee_rs = [h(x) for x in r["callee"]["retained"]]
    ci, ce = r["caller"]["intent"], r["callee"]["intent"]
    eq("version", r["version"], 2)
    eq("caller.ephemeral_secret", r["caller"]["ephemeral_secret"], cx.hex())
    eq("callee.ephemeral_secret", r["callee"]["ephemeral_secret"], ex.hex())
    eq("caller.kem_d", r["caller"]["kem_d"], d.hex())
    eq("caller.kem_z", r["caller"]["kem_z"], z.hex())
    eq("callee.kem_m", r["callee"]["kem_m"], m.hex())

    cpriv, epriv = X25519PrivateKey.from_private_bytes(cx), X25519PrivateKey.from_private_bytes(ex)
    cpub, epub = cpriv.public_key().public_bytes_raw(), epriv.public_key().public_bytes_raw()
    dh = cpriv.exchange(X25519PublicKey.from_public_bytes(epub))
    eq("dh both ways", dh, epriv.exchange(X25519PublicKey.from_public_bytes(cpub)))
    eq("caller.ephemeral_public", r["caller"]["ephemeral_public"], cpub.hex())
    eq("callee.ephemeral_public", r["callee"]["ephemeral_public"], epub.hex())
    eq("shared_secret", r["shared_secret"], dh.hex())

    ek, dk = ML_KEM_768._keygen_internal(d, z)
    ss, ct = ML_KEM_768._encaps_internal(ek, m)
    eq("decaps", ML_KEM_768.decaps(dk, ct), ss)
    eq("caller.kem_ek", r["caller"]["kem_ek"], ek.hex())
    eq("kem_ct", r["kem_ct"], ct.hex())
    eq("kem_shared_secret", r["kem_shared_secret"], ss.hex())

    ids = [continuity_id(s) for s in caller_rs]
    offer = bytes([0x01, 0x02, INTENT[ci]]) + cpub + ek
    offer += bytes([len(SRTP_SUITES)]) + b"".join(s.to_bytes(2, "big") for s in SRTP_SUITES)
    offer += bytes([len(SFRAME_SUITES)]) + b"".join(s.to_bytes(2, "big") for s in SFRAME_SUITES)
    offer += bytes([len(ids)]) + b"".join(ids)
    eq("offer", r["offer"], offer.hex())

    # The callee: the first offered id that names a secret it holds.
    matched, rs = 0, bytes(32)
    for i, cid in enumerate(ids):
        hit = [s for s in callee_rs if continuity_id(s) == cid]
        if hit:
            matched, rs = i + 1, hit[0]
            break
    if matched:
        # The caller's own secret at that position is the same one.
        eq("caller rs", caller_rs[matched - 1], rs)
    status = "continued" if matched else ("mismatch" if ids or callee_rs else "new")
    srtp, sframe = SRTP_SUITES[0], SFRAME_SUITES[0]
    body = bytes([0x02, 0x02, INTENT[ce]]) + epub + ct + srtp.to_bytes(2, "big")
    body += sframe.to_bytes(2, "big") + bytes([matched, 1 if callee_rs else 0])
    th = hashlib.sha256(len(ctx).to_bytes(4, "big") + ctx + offer + body).digest()
    prk = extract(th, dh + ss + rs)
    answer = body + mac(expand(prk, b"callseal v2 confirm callee", 32), th)
    confirm = bytes([0x03, 0x02]) + mac(expand(prk, b"callseal v2 confirm caller", 32), th)
    eq("answer", r["answer"], answer.hex())
    eq("confirm", r["confirm"], confirm.hex())
    eq("transcript_hash", r["transcript_hash"], th.hex())
    eq("srtp_suite", r["srtp_suite"], SRTP_NAMES[srtp])
    eq("sframe_suite", r["sframe_suite"], SFRAME_NAMES[sframe])

    out = outcome(ci, ce)
    eq("outcome", r["outcome"], out)
    c = r["continuity"]
    eq("continuity.offered_ids", c["offered_ids"], [i.hex() for i in ids])
    eq("continuity.matched_id", c["matched_id"], ids[matched - 1].hex() if matched else None)
    eq("continuity.status", c["status"], status)
    if out == "standard":
        eq("security_code", r["security_code"], None)
        eq("media_secret", r["media_secret"], None)
        eq("streams", r["streams"], [])
        eq("continuity.next_retained_secret", c["next_retained_secret"], None)
        return errors
    eq("security_code", r["security_code"], code(expand(prk, b"callseal v2 security code", 20)))
    eq("continuity.next_retained_secret", c["next_retained_secret"],
       expand(prk, b"callseal v2 continuity", 32).hex())
    media = expand(prk, b"callseal v2 media", 32)
    want_streams = []
    for epoch in range(2):
        eq("media_secret[%d]" % epoch, r["media_secret"][epoch], media.hex())
        for di, dname in enumerate(["caller_to_callee", "callee_to_caller"]):
            for ki, kname in enumerate(["audio", "video", "screen"]):
                s = expand(media, b"callseal v2 stream" + bytes([di, ki]), 32)
                kl, sl = SRTP_LENGTHS[srtp]
                ks = expand(s, b"callseal v2 srtp", kl + sl)
                want_streams.append({"epoch": epoch, "direction": dname, "kind": kname,
                                     "stream_secret": s.hex(), "srtp_master_key": ks[:kl].hex(),
                                     "srtp_master_salt": ks[kl:].hex()})
        media = expand(media, b"callseal v2 epoch", 32)
    eq("streams", r["streams"], want_streams)
    return errors


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "handshake-v2.json"
    doc = json.load(open(path))
    passed = failed = 0
    for r in doc["runs"]:
        errors = check(r)
        label = "%s %s/%s %s" % (r["seed"][:8], r["caller"]["intent"], r["callee"]["intent"],
                                 r["continuity"]["status"])
        if errors:
            failed += 1
            print("FAIL", label, ", ".join(errors))
        else:
            passed += 1
            print("ok  ", label)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
