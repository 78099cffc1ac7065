/* A full end-to-end encrypted call in C: both endpoints, the handshake, the security codes
 * compared, audio, video and screen-share frames both ways through SFrame inside SRTP, a
 * rekey, and a tampered packet rejected. Build: see ffi/run-c-tests.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callseal.h"

#define CHECK(expr)                                                                    \
    do {                                                                               \
        CallsealResult r_ = (expr);                                                    \
        if (r_ != CALLSEAL_RESULT_OK) {                                                \
            fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #expr,              \
                    callseal_result_message(r_));                                      \
            exit(1);                                                                   \
        }                                                                              \
    } while (0)

/* The hop-by-hop SRTP keys of the packet layer (DTLS-SRTP with the relay, in a deployment):
 * AEAD_AES_128_GCM, 16-byte key and 12-byte salt per direction. */
static const uint8_t HOP_A[28] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                                  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
static const uint8_t HOP_B[28] = {2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                                  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};

/* Send one frame from `from` and deliver its packets to `to`; returns 1 when the frame
 * arrived equal to what was sent. */
static int send_and_receive(CallsealCall *from, CallsealCall *to, CallsealPackets *batch,
                            uint32_t kind, const uint8_t *frame, size_t len, uint32_t ts,
                            uint64_t now_us) {
    CHECK(callseal_call_send_frame(from, kind, frame, len, ts, now_us, batch));
    size_t count = 0;
    CHECK(callseal_packets_count(batch, &count));
    int delivered = 0;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = NULL;
        size_t plen = 0;
        CHECK(callseal_packets_get(batch, i, &p, &plen));
        uint8_t wire[1500];
        memcpy(wire, p, plen); /* what crosses the network */
        uint32_t got_kind = 99;
        const uint8_t *got = NULL;
        size_t got_len = 0;
        CHECK(callseal_call_receive_packet(to, wire, plen, now_us, &got_kind, &got, &got_len));
        if (got != NULL) {
            delivered = got_kind == kind && got_len == len && memcmp(got, frame, len) == 0;
        }
    }
    return delivered;
}

int main(void) {
    const char *ctx = "call 1 | alice@contoso.com | bob@contoso.com";
    size_t ctx_len = strlen(ctx);

    /* Handshake over the application's signaling: Offer, Answer, Confirm. */
    uint8_t offer[CALLSEAL_OFFER_MAX_LEN], answer[CALLSEAL_ANSWER_LEN], confirm[CALLSEAL_CONFIRM_LEN];
    size_t offer_len = 0, answer_len = 0, confirm_len = 0;
    CallsealCaller *caller = NULL;
    CallsealCallee *callee = NULL;
    CallsealEstablished *alice_est = NULL, *bob_est = NULL;
    CHECK(callseal_caller_offer(CALLSEAL_INTENT_ON, (const uint8_t *)ctx, ctx_len, offer,
                                sizeof offer, &offer_len, &caller));
    CHECK(callseal_callee_accept(CALLSEAL_INTENT_ON, (const uint8_t *)ctx, ctx_len, offer,
                                 offer_len, answer, sizeof answer, &answer_len, &callee));
    CHECK(callseal_caller_finish(caller, answer, answer_len, confirm, sizeof confirm,
                                 &confirm_len, &alice_est));
    CHECK(callseal_callee_confirm(callee, confirm, confirm_len, &bob_est));
    callseal_caller_free(caller);
    callseal_callee_free(callee);

    int e2e = 0;
    CHECK(callseal_established_is_end_to_end(alice_est, &e2e));
    char alice_code[CALLSEAL_SECURITY_CODE_LEN], bob_code[CALLSEAL_SECURITY_CODE_LEN];
    CHECK(callseal_established_security_code(alice_est, alice_code, sizeof alice_code));
    CHECK(callseal_established_security_code(bob_est, bob_code, sizeof bob_code));
    printf("end-to-end: %s\nalice sees %s\nbob sees   %s\n", e2e ? "yes" : "no", alice_code,
           bob_code);
    if (!e2e || strcmp(alice_code, bob_code) != 0) {
        fprintf(stderr, "the security codes differ\n");
        return 1;
    }

    /* Both ends of the call: SFrame end to end, inside hop-by-hop SRTP. */
    CallsealCall *alice = NULL, *bob = NULL;
    CHECK(callseal_call_new(&alice_est, CALLSEAL_LAYERS_BOTH, 7, HOP_A, sizeof HOP_A, HOP_B,
                            sizeof HOP_B, &alice));
    CHECK(callseal_call_new(&bob_est, CALLSEAL_LAYERS_BOTH, 7, HOP_B, sizeof HOP_B, HOP_A,
                            sizeof HOP_A, &bob));
    CallsealPackets *batch = NULL;
    CHECK(callseal_packets_new(&batch));

    static uint8_t audio[120], video[24000], screen[90000];
    for (size_t i = 0; i < sizeof screen; i++) {
        if (i < sizeof audio) audio[i] = (uint8_t)(i * 7);
        if (i < sizeof video) video[i] = (uint8_t)(i * 13);
        screen[i] = (uint8_t)(i * 17);
    }
    int ok = 0, total = 0;
    for (uint32_t n = 0; n < 10; n++) {
        uint64_t now = n * 20000;
        if (n == 5) CHECK(callseal_call_rekey(alice, now)); /* in-call rekey; bob follows */
        ok += send_and_receive(alice, bob, batch, 0, audio, sizeof audio, n * 960, now);
        ok += send_and_receive(bob, alice, batch, 0, audio, sizeof audio, n * 960, now);
        ok += send_and_receive(alice, bob, batch, 1, video, sizeof video, n * 3000, now);
        ok += send_and_receive(bob, alice, batch, 1, video, sizeof video, n * 3000, now);
        ok += send_and_receive(alice, bob, batch, 2, screen, sizeof screen, n * 3000, now);
        ok += send_and_receive(bob, alice, batch, 2, screen, sizeof screen, n * 3000, now);
        total += 6;
    }
    uint32_t epoch_a = 0, epoch_b = 0;
    CHECK(callseal_call_epoch(alice, &epoch_a));
    CHECK(callseal_call_epoch(bob, &epoch_b));
    printf("frames delivered intact: %d of %d; epochs after the rekey: %u and %u\n", ok, total,
           epoch_a, epoch_b);

    /* A relay flips one bit of a packet: rejected, counted, and nothing delivered. */
    CHECK(callseal_call_send_frame(alice, 0, audio, sizeof audio, 999, 300000, batch));
    const uint8_t *p = NULL;
    size_t plen = 0;
    CHECK(callseal_packets_get(batch, 0, &p, &plen));
    uint8_t wire[1500];
    memcpy(wire, p, plen);
    wire[plen / 2] ^= 0x04;
    uint32_t kind = 0;
    const uint8_t *got = NULL;
    size_t got_len = 0;
    CallsealResult r = callseal_call_receive_packet(bob, wire, plen, 300000, &kind, &got, &got_len);
    CallsealStats stats;
    CHECK(callseal_call_stats(bob, 0, 0, &stats));
    printf("tampered packet: %s (rejected for authentication so far: %llu)\n",
           callseal_result_message(r), (unsigned long long)stats.rejected_authentication);
    int feature = callseal_call_check_feature(alice, 8) == CALLSEAL_RESULT_FEATURE_UNAVAILABLE;
    printf("recording in this call: %s\n", feature ? "unavailable" : "available");

    callseal_packets_free(batch);
    callseal_call_free(alice);
    callseal_call_free(bob);
    int pass = ok == total && epoch_a == 1 && epoch_b == 1 && r == CALLSEAL_RESULT_AUTHENTICATION &&
               got == NULL && stats.rejected_authentication == 1 && feature;
    printf("%s\n", pass ? "call ok" : "call FAILED");
    return pass ? 0 : 1;
}
