/*
 * swarm_floor: the least CPU a swarm's traffic can cost on this machine. It does what `ipv8 swarm` does to the
 * kernel and to libsodium, and nothing else: no peers, no tables, no parsing, no runtime.
 *
 *   swarm_floor LIBSODIUM SOCKETS INFLIGHT SECONDS SIZE SIGNS_PER_DATAGRAM VERIFIES_PER_DATAGRAM
 *
 * SOCKETS UDP sockets on 127.0.0.1 (ephemeral ports) are read by two threads, each with its own level-triggered epoll
 * set over half of them (like ipv8's shared receive loops): one recvmmsg per ready socket, and for every datagram
 * received one sendto of a SIZE-byte datagram from that socket to a random other one, so that INFLIGHT datagrams
 * keep circulating. Every sent datagram carries a valid Ed25519 signature of its sender; per datagram the program
 * signs SIGNS_PER_DATAGRAM times and verifies VERIFIES_PER_DATAGRAM times on average (spread evenly; a swarm run of
 * ipv8 reports both), with one key pair per socket. After one second of warm-up it counts for SECONDS.
 *
 * libsodium's rates are probed the way `ipv8 swarm` probes them (one thread, thread CPU clock, 160-byte messages,
 * 4,000 signs and 2,000 verifies), before and after, and the report's crypto_ratio is the swarm report's: process CPU
 * over (signatures made / sign rate + signatures checked / verify rate).
 *
 * Prints one JSON object. Loopback only: every socket is bound to 127.0.0.1 and sends only to its siblings.
 * libsodium is loaded from the path given (the one Sodium.Core ships), so no headers are needed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define THREADS 2
#define PER_TURN 8
#define MAX_EVENTS 256
#define SIG 64
#define PK 32
#define SK 64

static int (*p_init)(void);
static int (*p_keypair)(unsigned char *, unsigned char *);
static int (*p_sign)(unsigned char *, unsigned long long *, const unsigned char *, unsigned long long, const unsigned char *);
static int (*p_verify)(const unsigned char *, const unsigned char *, unsigned long long, const unsigned char *);

static int sockets, size;
static double sign_share, verify_share;
static int *fds;
static struct sockaddr_in *addrs;
static unsigned char *pks, *sks, *messages; /* per socket: its key pair, and the signed datagram it sends */
static atomic_int stop;
static atomic_int counting;
static atomic_llong datagrams, signs, verifies, failures;

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double process_cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

static double process_sys(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

/* The probe of src/Ipv8.Cli/Commands/SwarmCosts.cs, in C. */
static void probe(double *sign_rate, double *verify_rate) {
    unsigned char pk[PK], sk[SK], message[160], sigs[256][SIG], sig[SIG];
    p_keypair(pk, sk);
    for (int i = 0; i < 160; i++) message[i] = (unsigned char)(i * 31);
    for (int i = 0; i < 50 + 256; i++) {
        memcpy(message, &(int){ i % 256 }, sizeof(int));
        p_sign(sigs[i % 256], NULL, message, 160, sk);
    }
    double t = thread_cpu();
    for (int i = 0; i < 4000; i++) {
        memcpy(message, &i, sizeof(int));
        p_sign(sig, NULL, message, 160, sk);
    }
    *sign_rate = 4000 / (thread_cpu() - t);
    t = thread_cpu();
    for (int i = 0; i < 2000; i++) {
        memcpy(message, &(int){ i % 256 }, sizeof(int));
        if (p_verify(sigs[i % 256], message, 160, pk) != 0) {
            fprintf(stderr, "swarm_floor: libsodium refused its own signature\n");
            exit(1);
        }
    }
    *verify_rate = 2000 / (thread_cpu() - t);
}

static void send_from(int from, unsigned *rng, double *sign_debt) {
    unsigned char *message = messages + (size_t)from * size;
    *sign_debt += sign_share;
    if (*sign_debt >= 1) {
        *sign_debt -= 1;
        /* The same bytes every time: Ed25519 is deterministic, so the signature stays valid for the receiver. */
        p_sign(message + size - SIG, NULL, message, size - SIG, sks + (size_t)from * SK);
        if (atomic_load_explicit(&counting, memory_order_relaxed)) atomic_fetch_add_explicit(&signs, 1, memory_order_relaxed);
    }
    *rng ^= *rng << 13; *rng ^= *rng >> 17; *rng ^= *rng << 5;
    int to = (int)(*rng % (unsigned)sockets);
    if (to == from) to = (to + 1) % sockets;
    sendto(fds[from], message, size, MSG_DONTWAIT, (struct sockaddr *)&addrs[to], sizeof addrs[to]);
}

struct loop { int index; int epoll; };

static void *run(void *arg) {
    struct loop *loop = arg;
    unsigned rng = 0x9e3779b9u * (unsigned)(loop->index + 1);
    double sign_debt = 0, verify_debt = 0;
    struct epoll_event events[MAX_EVENTS];
    static __thread unsigned char buffers[PER_TURN][2048];
    static __thread struct sockaddr_in from[PER_TURN];
    struct iovec iov[PER_TURN];
    struct mmsghdr msgs[PER_TURN];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < PER_TURN; i++) {
        iov[i].iov_base = buffers[i];
        iov[i].iov_len = sizeof buffers[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
    }
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int ready = epoll_wait(loop->epoll, events, MAX_EVENTS, 100);
        for (int e = 0; e < ready; e++) {
            int socket_index = (int)events[e].data.u32;
            for (int i = 0; i < PER_TURN; i++) msgs[i].msg_hdr.msg_namelen = sizeof from[i];
            int n = recvmmsg(fds[socket_index], msgs, PER_TURN, MSG_DONTWAIT, NULL);
            for (int i = 0; i < n; i++) {
                int sender;
                memcpy(&sender, buffers[i], sizeof sender);
                verify_debt += verify_share;
                if (verify_debt >= 1) {
                    verify_debt -= 1;
                    if (sender < 0 || sender >= sockets || (int)msgs[i].msg_len != size ||
                        p_verify(buffers[i] + size - SIG, buffers[i], size - SIG, pks + (size_t)sender * PK) != 0)
                        atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
                    else if (atomic_load_explicit(&counting, memory_order_relaxed))
                        atomic_fetch_add_explicit(&verifies, 1, memory_order_relaxed);
                }
                if (atomic_load_explicit(&counting, memory_order_relaxed))
                    atomic_fetch_add_explicit(&datagrams, 1, memory_order_relaxed);
                send_from(socket_index, &rng, &sign_debt);
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 8) {
        fprintf(stderr, "usage: swarm_floor LIBSODIUM SOCKETS INFLIGHT SECONDS SIZE SIGNS_PER_DATAGRAM VERIFIES_PER_DATAGRAM\n");
        return 2;
    }
    void *sodium = dlopen(argv[1], RTLD_NOW);
    if (!sodium) { fprintf(stderr, "swarm_floor: %s\n", dlerror()); return 2; }
    p_init = dlsym(sodium, "sodium_init");
    p_keypair = dlsym(sodium, "crypto_sign_keypair");
    p_sign = dlsym(sodium, "crypto_sign_detached");
    p_verify = dlsym(sodium, "crypto_sign_verify_detached");
    if (!p_init || !p_keypair || !p_sign || !p_verify || p_init() < 0) { fprintf(stderr, "swarm_floor: not a usable libsodium\n"); return 2; }
    sockets = atoi(argv[2]);
    int inflight = atoi(argv[3]);
    double seconds = atof(argv[4]);
    size = atoi(argv[5]);
    sign_share = atof(argv[6]);
    verify_share = atof(argv[7]);
    if (sockets < 2 || sockets > 60000 || inflight < 1 || seconds <= 0 || seconds > 600 || size < SIG + 8 || size > 1400 ||
        sign_share < 0 || sign_share > 4 || verify_share < 0 || verify_share > 4) {
        fprintf(stderr, "swarm_floor: SOCKETS 2..60000, INFLIGHT >= 1, SECONDS 0..600, SIZE 72..1400, shares 0..4\n");
        return 2;
    }
    struct rlimit files;
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < (rlim_t)sockets + 64) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }

    double sign_before, verify_before, sign_after, verify_after;
    probe(&sign_before, &verify_before);

    fds = calloc(sockets, sizeof *fds);
    addrs = calloc(sockets, sizeof *addrs);
    pks = malloc((size_t)sockets * PK);
    sks = malloc((size_t)sockets * SK);
    messages = malloc((size_t)sockets * size);
    struct loop loops[THREADS];
    for (int t = 0; t < THREADS; t++) {
        loops[t].index = t;
        loops[t].epoll = epoll_create1(EPOLL_CLOEXEC);
    }
    for (int i = 0; i < sockets; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&me, sizeof me) != 0) { perror("swarm_floor: socket"); return 1; }
        socklen_t len = sizeof addrs[i];
        getsockname(fds[i], (struct sockaddr *)&addrs[i], &len);
        struct epoll_event event = { .events = EPOLLIN, .data.u32 = (unsigned)i };
        epoll_ctl(loops[i % THREADS].epoll, EPOLL_CTL_ADD, fds[i], &event);
        p_keypair(pks + (size_t)i * PK, sks + (size_t)i * SK);
        unsigned char *message = messages + (size_t)i * size;
        for (int b = 0; b < size; b++) message[b] = (unsigned char)(b * 31 + i);
        memcpy(message, &i, sizeof i);
        p_sign(message + size - SIG, NULL, message, size - SIG, sks + (size_t)i * SK);
    }

    double setup_cpu = process_cpu(); /* the probe, 10,000 sockets and key pairs: not counted below */
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, run, &loops[t]);
    unsigned rng = 12345;
    double debt = 0;
    for (int i = 0; i < inflight; i++) send_from(i % sockets, &rng, &debt);

    struct timespec warmup = { 1, 0 };
    nanosleep(&warmup, NULL);
    atomic_store(&counting, 1);
    double cpu0 = process_cpu(), sys0 = process_sys(), t0 = mono();
    struct timespec slice = { 0, 100000000 };
    while (mono() - t0 < seconds) nanosleep(&slice, NULL);
    atomic_store(&counting, 0);
    double cpu = process_cpu() - cpu0, sys = process_sys() - sys0, elapsed = mono() - t0;
    atomic_store(&stop, 1);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);

    probe(&sign_after, &verify_after);
    double sign_rate = (sign_before + sign_after) / 2, verify_rate = (verify_before + verify_after) / 2;
    long long d = atomic_load(&datagrams), s = atomic_load(&signs), v = atomic_load(&verifies);
    double work = s / sign_rate + v / verify_rate;
    printf("{\"sockets\":%d,\"inflight\":%d,\"size\":%d,\"seconds\":%.3f,\"datagrams\":%lld,\"datagrams_per_second\":%.1f,"
           "\"signatures_created\":%lld,\"signatures_verified\":%lld,\"verify_failures\":%lld,"
           "\"cpu_seconds\":%.3f,\"system_cpu_seconds\":%.3f,\"cpu_microseconds_per_datagram\":%.2f,"
           "\"system_microseconds_per_datagram\":%.2f,\"libsodium_sign_per_second\":%.1f,\"libsodium_verify_per_second\":%.1f,"
           "\"crypto_seconds_at_probe_rates\":%.3f,\"crypto_ratio\":%.3f,\"setup_cpu_seconds\":%.3f}\n",
           sockets, inflight, size, elapsed, d, d / elapsed, s, v, (long long)atomic_load(&failures), cpu, sys,
           d > 0 ? cpu * 1e6 / d : 0, d > 0 ? sys * 1e6 / d : 0, sign_rate, verify_rate, work, work > 0 ? cpu / work : 0, setup_cpu);
    return atomic_load(&failures) == 0 ? 0 : 1;
}
