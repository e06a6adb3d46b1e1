/*
 * udp_tool: the C reference loops of the udp-ingest scenario (see PERF-NOTES.md), compiled by the harness at run time
 * when a C compiler is present.
 *
 *   udp_tool send 127.0.0.1 PORT SECONDS FILE   sendmmsg (batches of 64) of the datagram in FILE until the time is up;
 *                                              prints the number sent
 *   udp_tool recv PORT SECONDS                 binds 127.0.0.1:PORT (0: any), prints "port N" on stdout, then receives
 *                                              with recvmmsg (batches of 64) for SECONDS and prints the count
 *
 * Loopback only: the sender refuses any other address.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int do_send(const char *host, int port, double seconds, const char *file) {
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons((unsigned short)port);
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1 || (ntohl(to.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "udp_tool: loopback targets only\n");
        return 2;
    }
    unsigned char packet[2048];
    FILE *f = fopen(file, "rb");
    if (!f) { perror("udp_tool: open"); return 2; }
    size_t length = fread(packet, 1, sizeof packet, f);
    fclose(f);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    struct iovec iov = { packet, length };
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof to;
        msgs[i].msg_hdr.msg_iov = &iov;
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    long long sent = 0;
    double end = now() + seconds;
    while (now() < end) {
        int n = sendmmsg(fd, msgs, BATCH, 0);
        if (n > 0) sent += n;
    }
    printf("%lld\n", sent);
    return 0;
}

static int do_recv(int port, double seconds) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    struct timeval tv = { 0, 200000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in me = {0};
    me.sin_family = AF_INET;
    me.sin_port = htons((unsigned short)port);
    me.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&me, sizeof me) != 0) { perror("udp_tool: bind"); return 2; }
    socklen_t len = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &len);
    printf("port %d\n", ntohs(me.sin_port));
    fflush(stdout);

    static unsigned char buffers[BATCH][2048];
    struct iovec iov[BATCH];
    struct mmsghdr msgs[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = buffers[i];
        iov[i].iov_len = sizeof buffers[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    /* Count only after the first datagram, for SECONDS. */
    long long received = 0;
    double start = 0, end = now() + seconds + 30;
    while (now() < end) {
        int n = recvmmsg(fd, msgs, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        if (start == 0) { start = now(); end = start + seconds; }
        received += n;
    }
    printf("%lld %.6f\n", received, start == 0 ? 0.0 : now() - start);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 6 && strcmp(argv[1], "send") == 0)
        return do_send(argv[2], atoi(argv[3]), atof(argv[4]), argv[5]);
    if (argc == 4 && strcmp(argv[1], "recv") == 0)
        return do_recv(atoi(argv[2]), atof(argv[3]));
    fprintf(stderr, "usage: udp_tool send 127.0.0.1 PORT SECONDS FILE | recv PORT SECONDS\n");
    return 2;
}
