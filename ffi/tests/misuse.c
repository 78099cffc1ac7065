/* The C ABI misused the ways a pipeline might: NULL for every pointer, huge and inconsistent
 * lengths, output buffers fenced with canary bytes, out-of-range values, random packets and
 * frames. Every call must return the documented result, write nothing it should not, and leave
 * nothing allocated. Prints "N passed, M failed"; exits 1 on any failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callseal.h"
#include "check.h"

#define CANARY 0x5C
#define INVALID CALLSEAL_RESULT_INVALID_ARGUMENT

/* Lengths no object can have (above PTRDIFF_MAX). */
static const size_t HUGE_LENGTHS[] = {(size_t)-1, (size_t)-2, SIZE_MAX / 2 + 1};

static int fenced(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i] != CANARY) return 0;
    return 1;
}

/* A small xorshift generator: the same packets on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void handshake(uint32_t callee_intent, CallsealEstablished **a, CallsealEstablished **b) {
    uint8_t offer[CALLSEAL_OFFER_MAX_LEN], answer[CALLSEAL_ANSWER_LEN], confirm[CALLSEAL_CONFIRM_LEN];
    size_t ol = 0, al = 0, cl = 0;
    CallsealCaller *caller = NULL;
    CallsealCallee *callee = NULL;
    EXPECT(callseal_caller_offer(CALLSEAL_INTENT_ON, (const uint8_t *)"m", 1, offer, sizeof offer, &ol, &caller) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_callee_accept(callee_intent, (const uint8_t *)"m", 1, offer, ol, answer, sizeof answer, &al, &callee) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_caller_finish(caller, answer, al, confirm, sizeof confirm, &cl, a) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_callee_confirm(callee, confirm, cl, b) == CALLSEAL_RESULT_OK);
    callseal_caller_free(caller);
    callseal_callee_free(callee);
}

static void result_messages(void) {
    const int32_t codes[] = {-1, INT32_MIN, INT32_MAX, 22, 1000, 0, 21};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        const char *m = callseal_result_message(codes[i]);
        EXPECT(m != NULL && strlen(m) > 0);
    }
    EXPECT(strcmp(callseal_result_message(1000), "unknown result code") == 0);
    EXPECT(strcmp(callseal_version(), CALLSEAL_VERSION_STRING) == 0);
}

static void constructors_with_null(void) {
    uint8_t key[44];
    memset(key, 7, sizeof key);
    CallsealSrtpSender *s = NULL;
    CallsealSrtpReceiver *r = NULL;
    CallsealSframeSender *fs = NULL;
    CallsealSframeReceiver *fr = NULL;
    EXPECT(callseal_srtp_sender_new(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, 28, NULL) == INVALID);
    EXPECT(callseal_srtp_sender_new(CALLSEAL_SRTP_AEAD_AES_128_GCM, NULL, 28, &s) == INVALID && s == NULL);
    EXPECT(callseal_srtp_receiver_new(CALLSEAL_SRTP_AEAD_AES_256_GCM, key, 44, NULL) == INVALID);
    EXPECT(callseal_srtp_receiver_new(CALLSEAL_SRTP_AEAD_AES_256_GCM, NULL, 44, &r) == INVALID && r == NULL);
    EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, 1, key, 32, NULL) == INVALID);
    EXPECT(callseal_sframe_receiver_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, NULL) == INVALID);
    EXPECT(callseal_packets_new(NULL) == INVALID);
    /* The sender refused with a NULL out-pointer was never built: its key is still free. */
    EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, 1, key, 32, &fs) == CALLSEAL_RESULT_OK);
    CallsealSframeSender *again = NULL;
    EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, 1, key, 32, &again) == CALLSEAL_RESULT_KEY_REUSE && again == NULL);
    callseal_sframe_sender_free(fs);
    /* Unknown suites and wrong key lengths. */
    EXPECT(callseal_srtp_sender_new(3, key, 28, &s) == CALLSEAL_RESULT_UNSUPPORTED_SUITE && s == NULL);
    EXPECT(callseal_srtp_sender_new(CALLSEAL_SRTP_AES_CM_128_HMAC_SHA1_80, key, 28, &s) == CALLSEAL_RESULT_INVALID_KEY_LENGTH);
    EXPECT(callseal_sframe_receiver_new(0, &fr) == CALLSEAL_RESULT_UNSUPPORTED_SUITE && fr == NULL);
    EXPECT(callseal_sframe_receiver_new(6, &fr) == CALLSEAL_RESULT_UNSUPPORTED_SUITE && fr == NULL);
    for (size_t i = 0; i < sizeof HUGE_LENGTHS / sizeof HUGE_LENGTHS[0]; i++) {
        EXPECT(callseal_srtp_sender_new(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, HUGE_LENGTHS[i], &s) == INVALID && s == NULL);
        EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, 9, key, HUGE_LENGTHS[i], &fs) == INVALID);
    }
    /* Lengths an object could have but a key cannot: refused before a byte is read. */
    fs = NULL;
    EXPECT(callseal_srtp_sender_new(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, SIZE_MAX / 2, &s) == CALLSEAL_RESULT_INVALID_KEY_LENGTH);
    EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, 9, key, SIZE_MAX / 2, &fs) == CALLSEAL_RESULT_INVALID_KEY_LENGTH);
    EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_GCM_SHA256_128, 9, key, CALLSEAL_SFRAME_MAX_BASE_KEY_LEN + 1, &fs) == CALLSEAL_RESULT_INVALID_KEY_LENGTH && fs == NULL);
}

static void srtp_buffers(void) {
    uint8_t key[28];
    memset(key, 3, sizeof key);
    CallsealSrtpSender *tx = NULL;
    CallsealSrtpReceiver *rx = NULL;
    EXPECT(callseal_srtp_sender_new(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, 28, &tx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_srtp_receiver_new_with_replay_window(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, 28, 1024, &rx) == CALLSEAL_RESULT_OK);
    const uint8_t rtp[16] = {0x80, 96, 0, 7, 0, 0, 0, 1, 0, 0, 0, 42, 'a', 'b', 'c', 'd'};
    uint8_t buf[96];
    size_t n = 12345;
    memset(buf, CANARY, sizeof buf);
    memcpy(buf, rtp, sizeof rtp);
    /* Capacity below length, capacity without room for the tag, huge values. */
    EXPECT(callseal_srtp_protect_rtp(tx, buf, 16, 15, &n) == INVALID && n == 12345);
    EXPECT(callseal_srtp_protect_rtp(tx, buf, 16, 20, &n) == CALLSEAL_RESULT_BUFFER_TOO_SMALL && n == 32);
    EXPECT(memcmp(buf, rtp, 16) == 0 && fenced(buf + 16, sizeof buf - 16));
    EXPECT(callseal_srtp_unprotect_rtp(rx, buf, 65536 + 64, &n) == INVALID);
    EXPECT(callseal_srtp_protect_rtp(tx, buf, 65536 + 64, SIZE_MAX / 2, &n) == INVALID);
    for (size_t i = 0; i < sizeof HUGE_LENGTHS / sizeof HUGE_LENGTHS[0]; i++) {
        n = 7;
        EXPECT(callseal_srtp_protect_rtp(tx, buf, 16, HUGE_LENGTHS[i], &n) == INVALID && n == 7);
        EXPECT(callseal_srtp_protect_rtp(tx, buf, HUGE_LENGTHS[i], HUGE_LENGTHS[i], &n) == INVALID);
        EXPECT(callseal_srtp_unprotect_rtp(rx, buf, HUGE_LENGTHS[i], &n) == INVALID && n == 7);
        EXPECT(callseal_srtp_unprotect_rtcp(rx, buf, HUGE_LENGTHS[i], &n) == INVALID);
    }
    EXPECT(memcmp(buf, rtp, 16) == 0 && fenced(buf + 16, sizeof buf - 16));
    EXPECT(callseal_srtp_protect_rtp(tx, NULL, 16, 96, &n) == INVALID);
    EXPECT(callseal_srtp_protect_rtp(tx, buf, 16, 96, NULL) == INVALID);
    /* Protect: exactly len + tag bytes written, the rest of the buffer untouched. */
    EXPECT(callseal_srtp_protect_rtp(tx, buf, 16, sizeof buf, &n) == CALLSEAL_RESULT_OK && n == 32);
    EXPECT(fenced(buf + 32, sizeof buf - 32));
    uint8_t sent[32];
    memcpy(sent, buf, 32);
    /* The same sequence number again is refused: the keystream would repeat. */
    uint8_t again[64];
    memcpy(again, rtp, 16);
    EXPECT(callseal_srtp_protect_rtp(tx, again, 16, sizeof again, &n) == CALLSEAL_RESULT_REPLAY);
    /* Unprotect with a NULL out_len changes nothing; the packet still opens after. */
    EXPECT(callseal_srtp_unprotect_rtp(rx, buf, 32, NULL) == INVALID && memcmp(buf, sent, 32) == 0);
    EXPECT(callseal_srtp_unprotect_rtp(rx, NULL, 32, &n) == INVALID);
    EXPECT(callseal_srtp_unprotect_rtp(NULL, buf, 32, &n) == INVALID);
    EXPECT(callseal_srtp_unprotect_rtp(rx, buf, 32, &n) == CALLSEAL_RESULT_OK && n == 16 && memcmp(buf, rtp, 16) == 0);
    memcpy(buf, sent, 32);
    EXPECT(callseal_srtp_unprotect_rtp(rx, buf, 32, &n) == CALLSEAL_RESULT_REPLAY);
    /* Random bytes of every length up to 96: rejected, never opened. */
    for (int i = 0; i < 2000; i++) {
        size_t len = next_random() % sizeof buf;
        for (size_t j = 0; j < len; j++) buf[j] = (uint8_t)next_random();
        if (i % 3 == 0 && len >= 12) buf[0] = 0x80;
        size_t out = 0;
        CallsealResult r = (i & 1) ? callseal_srtp_unprotect_rtcp(rx, buf, len, &out)
                                   : callseal_srtp_unprotect_rtp(rx, buf, len, &out);
        EXPECT(r != CALLSEAL_RESULT_OK);
    }
    callseal_srtp_sender_free(tx);
    callseal_srtp_receiver_free(rx);
    /* Replay windows outside 64..32768. */
    CallsealSrtpReceiver *bad = NULL;
    EXPECT(callseal_srtp_receiver_new_with_replay_window(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, 28, 0, &bad) == INVALID && bad == NULL);
    EXPECT(callseal_srtp_receiver_new_with_replay_window(CALLSEAL_SRTP_AEAD_AES_128_GCM, key, 28, CALLSEAL_REPLAY_WINDOW_MAX + 1, &bad) == INVALID);
}

static void sframe_buffers(void) {
    uint8_t key[32];
    memset(key, 0x61, sizeof key);
    CallsealSframeSender *tx = NULL;
    CallsealSframeReceiver *rx = NULL;
    EXPECT(callseal_sframe_sender_new(CALLSEAL_SFRAME_AES_128_CTR_HMAC_SHA256_80, 300, key, 32, &tx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_sframe_receiver_new(CALLSEAL_SFRAME_AES_128_CTR_HMAC_SHA256_80, &rx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_sframe_receiver_add_key(rx, 300, 0, key, 32) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_sframe_receiver_add_key(rx, 301, 0, key, 15) == CALLSEAL_RESULT_INVALID_KEY_LENGTH);
    EXPECT(callseal_sframe_receiver_add_key(rx, 302, 0, NULL, 32) == INVALID);
    uint8_t frame[40], out[128];
    memset(frame, 0x33, sizeof frame);
    memset(out, CANARY, sizeof out);
    size_t n = 0;
    EXPECT(callseal_sframe_seal(tx, frame, sizeof frame, out, 10, &n) == CALLSEAL_RESULT_BUFFER_TOO_SMALL && n > sizeof frame);
    EXPECT(fenced(out, sizeof out));
    EXPECT(callseal_sframe_seal(tx, frame, sizeof frame, out, sizeof out, NULL) == INVALID && fenced(out, sizeof out));
    EXPECT(callseal_sframe_seal(tx, frame, sizeof frame, NULL, sizeof out, &n) == INVALID);
    EXPECT(callseal_sframe_seal(tx, frame, sizeof frame, out, sizeof out, &n) == CALLSEAL_RESULT_OK);
    EXPECT(n <= sizeof frame + callseal_sframe_overhead(CALLSEAL_SFRAME_AES_128_CTR_HMAC_SHA256_80));
    EXPECT(fenced(out + n, sizeof out - n));
    /* Sealing a frame into itself: the buffers overlap. */
    uint8_t inplace[128];
    memset(inplace, 0x44, sizeof inplace);
    size_t m = 0;
    EXPECT(callseal_sframe_seal(tx, inplace, 40, inplace, sizeof inplace, &m) == INVALID);
    EXPECT(callseal_sframe_seal(tx, inplace + 8, 40, inplace, sizeof inplace, &m) == INVALID);
    /* An empty frame may be given as NULL and 0. */
    EXPECT(callseal_sframe_seal(tx, NULL, 0, inplace, sizeof inplace, &m) == CALLSEAL_RESULT_OK);
    size_t off = 0, len = 0;
    EXPECT(callseal_sframe_open(rx, out, n, NULL, &len) == INVALID);
    EXPECT(callseal_sframe_open(rx, out, n, &off, NULL) == INVALID);
    EXPECT(callseal_sframe_open(rx, out, n, &off, &len) == CALLSEAL_RESULT_OK && len == sizeof frame);
    EXPECT(memcmp(out + off, frame, len) == 0);
    for (int i = 0; i < 2000; i++) {
        size_t l = next_random() % sizeof out;
        for (size_t j = 0; j < l; j++) out[j] = (uint8_t)next_random();
        EXPECT(callseal_sframe_open(rx, out, l, &off, &len) != CALLSEAL_RESULT_OK);
    }
    callseal_sframe_sender_free(tx);
    callseal_sframe_receiver_free(rx);
}

static void call_session(void) {
    CallsealEstablished *a = NULL, *b = NULL;
    handshake(CALLSEAL_INTENT_ON, &a, &b);
    CallsealCall *ca = NULL, *cb = NULL;
    /* Everything checked before the handshake is consumed. */
    EXPECT(callseal_call_new(&a, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, NULL) == INVALID && a != NULL);
    EXPECT(callseal_call_new(&a, 3, 0, NULL, 0, NULL, 0, &ca) == INVALID && a != NULL && ca == NULL);
    EXPECT(callseal_call_new(NULL, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, &ca) == INVALID);
    EXPECT(callseal_call_new(&a, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, &ca) == CALLSEAL_RESULT_OK && a == NULL);
    EXPECT(callseal_call_new(&a, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, &ca) == INVALID);
    EXPECT(callseal_call_new(&b, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, &cb) == CALLSEAL_RESULT_OK);
    CallsealPackets *batch = NULL;
    EXPECT(callseal_packets_new(&batch) == CALLSEAL_RESULT_OK);
    size_t max = 0;
    EXPECT(callseal_call_max_frame_len(ca, &max) == CALLSEAL_RESULT_OK && max > 0);
    EXPECT(callseal_call_max_frame_len(ca, NULL) == INVALID);
    uint8_t *big = calloc(1, max + 1);
    EXPECT(callseal_call_send_frame(ca, CALLSEAL_KIND_VIDEO, big, max + 1, 0, 0, batch) == CALLSEAL_RESULT_FRAME_TOO_LARGE);
    size_t count = 99;
    EXPECT(callseal_packets_count(batch, &count) == CALLSEAL_RESULT_OK && count == 0);
    for (size_t i = 0; i < sizeof HUGE_LENGTHS / sizeof HUGE_LENGTHS[0]; i++) {
        EXPECT(callseal_call_send_frame(ca, CALLSEAL_KIND_VIDEO, big, HUGE_LENGTHS[i], 0, 0, batch) == INVALID);
    }
    EXPECT(callseal_call_send_frame(ca, 3, big, 10, 0, 0, batch) == INVALID);
    EXPECT(callseal_call_send_frame(ca, CALLSEAL_KIND_AUDIO, NULL, 10, 0, 0, batch) == INVALID);
    EXPECT(callseal_call_send_frame(ca, CALLSEAL_KIND_AUDIO, big, 10, 0, 0, NULL) == INVALID);
    EXPECT(callseal_call_check_feature(ca, CALLSEAL_FEATURE_RECORDING) == CALLSEAL_RESULT_FEATURE_UNAVAILABLE);
    EXPECT(callseal_call_check_feature(ca, 9) == INVALID);
    CallsealStats st;
    EXPECT(callseal_call_stats(ca, 2, CALLSEAL_KIND_AUDIO, &st) == INVALID);
    EXPECT(callseal_call_stats(ca, CALLSEAL_DIRECTION_CALLER_TO_CALLEE, 7, &st) == INVALID);
    EXPECT(callseal_call_stats(ca, CALLSEAL_DIRECTION_CALLER_TO_CALLEE, CALLSEAL_KIND_AUDIO, NULL) == INVALID);
    /* A frame of the largest size goes through, then garbage never delivers a frame. */
    for (size_t i = 0; i < max; i++) big[i] = (uint8_t)(i * 31);
    EXPECT(callseal_call_send_frame(ca, CALLSEAL_KIND_SCREEN, big, max, 0, 0, batch) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_packets_count(batch, &count) == CALLSEAL_RESULT_OK && count > 1);
    int delivered = 0;
    static uint8_t wire[2048];
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = NULL;
        size_t plen = 0;
        EXPECT(callseal_packets_get(batch, i, &p, &plen) == CALLSEAL_RESULT_OK);
        memcpy(wire, p, plen);
        uint32_t kind = 9;
        const uint8_t *f = NULL;
        size_t flen = 0;
        EXPECT(callseal_call_receive_packet(cb, wire, plen, 0, &kind, &f, &flen) == CALLSEAL_RESULT_OK);
        if (f != NULL) delivered = kind == CALLSEAL_KIND_SCREEN && flen == max && memcmp(f, big, max) == 0;
    }
    EXPECT(delivered);
    const uint8_t *pp = NULL;
    size_t pl = 0;
    EXPECT(callseal_packets_get(batch, count, &pp, &pl) == INVALID);
    for (int i = 0; i < 5000; i++) {
        size_t len = next_random() % sizeof wire;
        for (size_t j = 0; j < len; j++) wire[j] = (uint8_t)next_random();
        if (i % 2 == 0 && len >= 12) wire[0] = 0x80;
        uint32_t kind = 9;
        const uint8_t *f = (const uint8_t *)wire;
        size_t flen = 77;
        CallsealResult r = callseal_call_receive_packet(cb, wire, len, (uint64_t)i, &kind, &f, &flen);
        EXPECT(r != CALLSEAL_RESULT_OK || (f == NULL && flen == 0));
    }
    uint32_t k = 0;
    const uint8_t *f = NULL;
    size_t flen = 0;
    EXPECT(callseal_call_receive_packet(cb, NULL, 20, 0, &k, &f, &flen) == INVALID);
    EXPECT(callseal_call_receive_packet(cb, wire, 20, 0, NULL, &f, &flen) == INVALID);
    EXPECT(callseal_call_receive_packet(cb, wire, (size_t)-1, 0, &k, &f, &flen) == INVALID);
    free(big);
    callseal_packets_free(batch);
    callseal_call_free(ca);
    callseal_call_free(cb);

    /* A standard call has no epochs to move to. */
    handshake(CALLSEAL_INTENT_OFF, &a, &b);
    uint8_t hop_a[28], hop_b[28];
    memset(hop_a, 1, sizeof hop_a);
    memset(hop_b, 2, sizeof hop_b);
    EXPECT(callseal_call_new(&a, CALLSEAL_LAYERS_BOTH, CALLSEAL_SRTP_AEAD_AES_128_GCM, NULL, 0, NULL, 0, &ca) == INVALID && a != NULL);
    EXPECT(callseal_call_new(&a, CALLSEAL_LAYERS_BOTH, CALLSEAL_SRTP_AEAD_AES_128_GCM, hop_a, 28, hop_b, 28, &ca) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_call_rekey(ca, 0) == CALLSEAL_RESULT_WRONG_STATE);
    /* ...no timer and no events. */
    uint64_t at = 0;
    EXPECT(callseal_call_handle_timeout(ca, UINT64_MAX) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_call_poll_timeout(ca, &at) == CALLSEAL_RESULT_OK && at == CALLSEAL_NO_TIMEOUT);
    CallsealEvent ev;
    memset(&ev, CANARY, sizeof ev);
    EXPECT(callseal_call_poll_event(ca, &ev) == CALLSEAL_RESULT_OK && ev.kind == CALLSEAL_EVENT_NONE && ev.epoch == 0);
    EXPECT(callseal_call_poll_event(ca, NULL) == INVALID);
    EXPECT(callseal_call_poll_event(NULL, &ev) == INVALID);
    EXPECT(callseal_call_poll_timeout(ca, NULL) == INVALID);
    EXPECT(callseal_call_poll_timeout(NULL, &at) == INVALID);
    EXPECT(callseal_call_handle_timeout(NULL, 0) == INVALID);
    EXPECT(callseal_call_options_init(NULL) == INVALID);
    char code[CALLSEAL_SECURITY_CODE_LEN];
    memset(code, CANARY, sizeof code);
    EXPECT(callseal_established_security_code(b, code, sizeof code) == CALLSEAL_RESULT_WRONG_STATE);
    EXPECT(fenced((const uint8_t *)code, sizeof code));
    callseal_call_free(ca);
    callseal_established_free(b);
}

static void policy(void) {
    CallsealDecision d;
    memset(&d, CANARY, sizeof d);
    EXPECT(callseal_policy_decide(NULL, 0, "alice", "bob", CALLSEAL_CALL_KIND_ONE_TO_ONE, &d) == CALLSEAL_RESULT_OK);
    EXPECT(d.end_to_end == 0 && d.refused == 0 && d.caller_reasons == CALLSEAL_REASON_POLICY_DISABLED);
    EXPECT(strcmp(callseal_reason_name(d.callee_reasons), "policy_disabled") == 0);
    memset(&d, CANARY, sizeof d);
    EXPECT(callseal_policy_decide((const uint8_t *)"{\"version\":", 11, "a", "b", 0, &d) == CALLSEAL_RESULT_POLICY_STORE);
    EXPECT(fenced((const uint8_t *)&d, sizeof d));
    EXPECT(callseal_policy_decide(NULL, 0, NULL, "b", 0, &d) == INVALID);
    EXPECT(callseal_policy_decide(NULL, 0, "a", "b", 0, NULL) == INVALID);
    EXPECT(callseal_policy_decide(NULL, 0, "a", "b", 4, &d) == INVALID);
    EXPECT(callseal_policy_decide(NULL, 0, "\xff\xfe", "b", 0, &d) == INVALID);
    EXPECT(callseal_policy_decide((const uint8_t *)"x", (size_t)-1, "a", "b", 0, &d) == INVALID);
    EXPECT(callseal_policy_decide((const uint8_t *)"\xff", 1, "a", "b", 0, &d) == CALLSEAL_RESULT_POLICY_STORE);
    EXPECT(strcmp(callseal_reason_name(3), "unknown") == 0);
    EXPECT(strcmp(callseal_reason_name(CALLSEAL_REASON_ADD_PARTICIPANT_DISABLED), "add_participant_disabled") == 0);
    EXPECT(strcmp(callseal_reason_name(CALLSEAL_REASON_ADD_PARTICIPANT_DISABLED << 1), "unknown") == 0);
}

int main(void) {
    result_messages();
    constructors_with_null();
    srtp_buffers();
    sframe_buffers();
    call_session();
    policy();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
