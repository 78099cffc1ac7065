/* The C ABI's error paths: null handles, short buffers (the needed size reported, nothing
 * written past the buffer), tampered input, unknown values. Prints "N passed, M failed". */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "callseal.h"
#include "check.h"

#define CANARY 0xA5

static int untouched(const uint8_t *p, size_t from, size_t to) {
    for (size_t i = from; i < to; i++)
        if (p[i] != CANARY) return 0;
    return 1;
}

static const uint8_t KEY28[28] = {9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
                                  9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static void null_handles(void) {
    uint8_t buf[64] = {0};
    size_t len = 0;
    uint32_t kind;
    const uint8_t *frame;
    EXPECT(callseal_call_send_frame(NULL, 0, buf, 10, 0, 0, NULL) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_call_receive_packet(NULL, buf, 10, 0, &kind, &frame, &len) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_caller_finish(NULL, buf, 71, buf, sizeof buf, &len, NULL) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_callee_confirm(NULL, buf, 34, NULL) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_srtp_protect_rtp(NULL, buf, 20, sizeof buf, &len) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_srtp_unprotect_rtp(NULL, buf, 20, &len) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_sframe_open(NULL, buf, 20, &len, &len) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_caller_offer(1, NULL, 5, buf, sizeof buf, &len, NULL) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_established_security_code(NULL, (char *)buf, sizeof buf) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    /* Freeing null is always safe. */
    callseal_caller_free(NULL);
    callseal_callee_free(NULL);
    callseal_established_free(NULL);
    callseal_call_free(NULL);
    callseal_packets_free(NULL);
    callseal_srtp_sender_free(NULL);
    callseal_srtp_receiver_free(NULL);
    callseal_sframe_sender_free(NULL);
    callseal_sframe_receiver_free(NULL);
    passed++;
    EXPECT(strlen(callseal_result_message(CALLSEAL_RESULT_BUFFER_TOO_SMALL)) > 0);
}

static void short_buffers_and_tampering_in_the_handshake(void) {
    uint8_t offer[200];
    size_t offer_len = 0;
    CallsealCaller *caller = NULL;
    memset(offer, CANARY, sizeof offer);
    CallsealResult r = callseal_caller_offer(1, (const uint8_t *)"ctx", 3, offer, 10, &offer_len, &caller);
    EXPECT(r == CALLSEAL_RESULT_BUFFER_TOO_SMALL);
    EXPECT(offer_len > 10 && offer_len <= CALLSEAL_OFFER_MAX_LEN);
    EXPECT(untouched(offer, 0, sizeof offer));
    EXPECT(caller == NULL);

    EXPECT(callseal_caller_offer(1, (const uint8_t *)"ctx", 3, offer, sizeof offer, &offer_len, &caller) == CALLSEAL_RESULT_OK);
    uint8_t answer[CALLSEAL_ANSWER_LEN];
    size_t answer_len = 0;
    CallsealCallee *callee = NULL;
    EXPECT(callseal_callee_accept(1, (const uint8_t *)"ctx", 3, offer, offer_len, answer, 5, &answer_len, &callee) == CALLSEAL_RESULT_BUFFER_TOO_SMALL);
    EXPECT(answer_len == CALLSEAL_ANSWER_LEN);
    EXPECT(callseal_callee_accept(1, (const uint8_t *)"ctx", 3, offer, offer_len, answer, sizeof answer, &answer_len, &callee) == CALLSEAL_RESULT_OK);

    uint8_t confirm[64];
    size_t confirm_len = 0;
    CallsealEstablished *est = NULL;
    memset(confirm, CANARY, sizeof confirm);
    EXPECT(callseal_caller_finish(caller, answer, answer_len, confirm, 8, &confirm_len, &est) == CALLSEAL_RESULT_BUFFER_TOO_SMALL);
    EXPECT(confirm_len == CALLSEAL_CONFIRM_LEN);
    EXPECT(untouched(confirm, 0, sizeof confirm));
    /* A tampered Answer is refused, and the genuine one still completes the handshake. */
    answer[answer_len - 1] ^= 1;
    EXPECT(callseal_caller_finish(caller, answer, answer_len, confirm, sizeof confirm, &confirm_len, &est) == CALLSEAL_RESULT_AUTHENTICATION);
    answer[answer_len - 1] ^= 1;
    EXPECT(callseal_caller_finish(caller, answer, answer_len - 1, confirm, sizeof confirm, &confirm_len, &est) == CALLSEAL_RESULT_MALFORMED);
    EXPECT(callseal_caller_finish(caller, answer, answer_len, confirm, sizeof confirm, &confirm_len, &est) == CALLSEAL_RESULT_OK);
    EXPECT(untouched(confirm, CALLSEAL_CONFIRM_LEN, sizeof confirm));
    EXPECT(callseal_caller_finish(caller, answer, answer_len, confirm, sizeof confirm, &confirm_len, &est) == CALLSEAL_RESULT_WRONG_STATE);

    char code[CALLSEAL_SECURITY_CODE_LEN + 8];
    memset(code, CANARY, sizeof code);
    EXPECT(callseal_established_security_code(est, code, 10) == CALLSEAL_RESULT_BUFFER_TOO_SMALL);
    EXPECT(untouched((uint8_t *)code, 0, sizeof code));
    EXPECT(callseal_established_security_code(est, code, sizeof code) == CALLSEAL_RESULT_OK);
    EXPECT(strlen(code) == 23);
    EXPECT(untouched((uint8_t *)code, CALLSEAL_SECURITY_CODE_LEN, sizeof code));

    CallsealEstablished *bob = NULL;
    confirm[3] ^= 0x10;
    EXPECT(callseal_callee_confirm(callee, confirm, confirm_len, &bob) == CALLSEAL_RESULT_AUTHENTICATION);
    confirm[3] ^= 0x10;
    EXPECT(callseal_callee_confirm(callee, confirm, confirm_len, &bob) == CALLSEAL_RESULT_OK);

    /* Unknown values. */
    CallsealCall *call = NULL;
    EXPECT(callseal_call_new(&est, 7, 0, NULL, 0, NULL, 0, &call) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(est != NULL); /* refused before anything was done: still the caller's */
    EXPECT(callseal_call_new(&est, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, NULL) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(est != NULL);
    callseal_established_free(est);
    EXPECT(callseal_call_new(&bob, CALLSEAL_LAYERS_SFRAME, 0, NULL, 0, NULL, 0, &call) == CALLSEAL_RESULT_OK);
    CallsealPackets *batch = NULL;
    EXPECT(callseal_packets_new(&batch) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_call_send_frame(call, 3, (const uint8_t *)"x", 1, 0, 0, batch) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_call_check_feature(call, 99) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    /* Its own packet reflected back: no key for it. */
    EXPECT(callseal_call_send_frame(call, 0, (const uint8_t *)"hello", 5, 0, 0, batch) == CALLSEAL_RESULT_OK);
    const uint8_t *p = NULL;
    size_t plen = 0;
    EXPECT(callseal_packets_get(batch, 0, &p, &plen) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_packets_get(batch, 5, &p, &plen) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    uint8_t wire[1500];
    memcpy(wire, p, plen);
    uint32_t kind;
    const uint8_t *frame;
    size_t flen;
    EXPECT(callseal_call_receive_packet(call, wire, plen, 0, &kind, &frame, &flen) == CALLSEAL_RESULT_UNKNOWN_KEY);
    callseal_packets_free(batch);
    callseal_call_free(call);
    callseal_caller_free(caller);
    callseal_callee_free(callee);
}

static void srtp_and_sframe(void) {
    CallsealSrtpSender *tx = NULL;
    CallsealSrtpReceiver *rx = NULL;
    EXPECT(callseal_srtp_sender_new(3, KEY28, 28, &tx) == CALLSEAL_RESULT_UNSUPPORTED_SUITE);
    EXPECT(callseal_srtp_sender_new(7, KEY28, 27, &tx) == CALLSEAL_RESULT_INVALID_KEY_LENGTH);
    EXPECT(callseal_srtp_sender_new(7, KEY28, 28, &tx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_srtp_receiver_new(7, KEY28, 28, &rx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_srtp_overhead(7) == 16 && callseal_srtp_overhead(1) == 10 && callseal_srtp_overhead(3) == 0);
    EXPECT(callseal_srtcp_overhead(2) == 14);

    uint8_t pkt[64];
    memset(pkt, CANARY, sizeof pkt);
    const uint8_t rtp[20] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0xca, 0xfe, 0xba, 0xbe, 1, 2, 3, 4, 5, 6, 7, 8};
    memcpy(pkt, rtp, sizeof rtp);
    size_t len = 0;
    /* Room for the packet but not the tag: the needed size, and nothing written. */
    EXPECT(callseal_srtp_protect_rtp(tx, pkt, 20, 30, &len) == CALLSEAL_RESULT_BUFFER_TOO_SMALL);
    EXPECT(len == 36);
    EXPECT(memcmp(pkt, rtp, 20) == 0 && untouched(pkt, 20, sizeof pkt));
    EXPECT(callseal_srtp_protect_rtp(tx, pkt, 20, 36, &len) == CALLSEAL_RESULT_OK);
    EXPECT(len == 36 && untouched(pkt, 36, sizeof pkt));
    uint8_t copy[64];
    memcpy(copy, pkt, len);
    copy[25] ^= 0x01;
    size_t out = 0;
    EXPECT(callseal_srtp_unprotect_rtp(rx, copy, len, &out) == CALLSEAL_RESULT_AUTHENTICATION);
    EXPECT(callseal_srtp_unprotect_rtp(rx, pkt, 10, &out) == CALLSEAL_RESULT_MALFORMED);
    EXPECT(callseal_srtp_unprotect_rtp(rx, pkt, len, &out) == CALLSEAL_RESULT_OK);
    EXPECT(out == 20 && memcmp(pkt, rtp, 20) == 0);
    memcpy(pkt, copy, len);
    copy[25] ^= 0x01;
    EXPECT(callseal_srtp_unprotect_rtp(rx, copy, len, &out) == CALLSEAL_RESULT_REPLAY);
    callseal_srtp_sender_free(tx);
    callseal_srtp_receiver_free(rx);

    CallsealSframeSender *stx = NULL;
    CallsealSframeReceiver *srx = NULL;
    EXPECT(callseal_sframe_sender_new(9, 1, KEY28, 28, &stx) == CALLSEAL_RESULT_UNSUPPORTED_SUITE);
    EXPECT(callseal_sframe_sender_new(4, 1, KEY28, 28, &stx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_sframe_receiver_new(4, &srx) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_sframe_receiver_add_key(srx, 1, 0, KEY28, 28) == CALLSEAL_RESULT_OK);
    uint8_t sealed[64];
    memset(sealed, CANARY, sizeof sealed);
    EXPECT(callseal_sframe_seal(stx, (const uint8_t *)"frame", 5, sealed, 8, &len) == CALLSEAL_RESULT_BUFFER_TOO_SMALL);
    EXPECT(len > 8 && len <= 5 + callseal_sframe_overhead(4));
    EXPECT(untouched(sealed, 0, sizeof sealed));
    EXPECT(callseal_sframe_seal(stx, (const uint8_t *)"frame", 5, sealed, sizeof sealed, &len) == CALLSEAL_RESULT_OK);
    sealed[len - 1] ^= 0x80;
    size_t off = 0, flen = 0;
    EXPECT(callseal_sframe_open(srx, sealed, len, &off, &flen) == CALLSEAL_RESULT_AUTHENTICATION);
    EXPECT(callseal_sframe_seal(stx, (const uint8_t *)"frame", 5, sealed, sizeof sealed, &len) == CALLSEAL_RESULT_OK);
    EXPECT(callseal_sframe_open(srx, sealed, len, &off, &flen) == CALLSEAL_RESULT_OK);
    EXPECT(flen == 5 && memcmp(sealed + off, "frame", 5) == 0);
    callseal_sframe_sender_free(stx);
    callseal_sframe_receiver_free(srx);
}

static void policy(void) {
    const char *bad = "{\"version\": 1, \"policies\": 3";
    CallsealDecision d;
    EXPECT(callseal_policy_decide((const uint8_t *)bad, strlen(bad), "a", "b", 0, &d) == CALLSEAL_RESULT_POLICY_STORE);
    const char *store =
        "{\"version\":1,\"global_policy\":\"Tag:E\",\"policies\":["
        "{\"identity\":\"Global\",\"calling_end_to_end_encryption\":\"Disabled\"},"
        "{\"identity\":\"Tag:E\",\"calling_end_to_end_encryption\":\"DisabledUserOverride\"}],"
        "\"users\":{\"a\":{\"end_to_end_encrypted_calls\":true},\"b\":{\"end_to_end_encrypted_calls\":true}}}";
    EXPECT(callseal_policy_decide((const uint8_t *)store, strlen(store), "a", "b", 0, &d) == CALLSEAL_RESULT_OK);
    EXPECT(d.end_to_end == 1 && d.caller_intent == CALLSEAL_INTENT_ON && d.reasons == 0);
    EXPECT(callseal_policy_decide((const uint8_t *)store, strlen(store), "a", "c", 0, &d) == CALLSEAL_RESULT_OK);
    EXPECT(d.end_to_end == 0 && d.callee_intent == CALLSEAL_INTENT_OFF && d.reasons == 1);
    EXPECT(callseal_policy_decide((const uint8_t *)store, strlen(store), "a", "b", 9, &d) == CALLSEAL_RESULT_INVALID_ARGUMENT);
    EXPECT(callseal_policy_decide((const uint8_t *)store, strlen(store), NULL, "b", 0, &d) == CALLSEAL_RESULT_INVALID_ARGUMENT);
}

int main(void) {
    null_handles();
    short_buffers_and_tampering_in_the_handshake();
    srtp_and_sframe();
    policy();
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
