/*
 * swarm_floor: what a swarm's traffic alone costs on this machine. It gives the kernel and libsodium what
 * `ipv8 swarm` gives them, and does nothing else: no peers, no tables, no parsing, no runtime.
 *
 *   swarm_floor LIBSODIUM SOCKETS SECONDS WALKS_PER_SECOND SIZE
 *
 * SOCKETS UDP sockets on 127.0.0.1 (ephemeral ports), one key pair each, are read by two threads, each with its own
 * level-triggered epoll set over half of them (like ipv8's shared receive loops): one recvmmsg per ready socket. A
 * walk thread (like `ipv8 swarm`'s) starts WALKS_PER_SECOND walk steps a second, spread evenly (0: as fast as it
 * can). A step is the discovery exchange's four datagrams of SIZE bytes:
 *   1. introduction request, walker -> peer: signed by the walk thread, verified by the peer
 *   2. introduction response, peer -> walker: signed and verified
 *   3. puncture request, peer -> introduced peer: unsigned
 *   4. puncture, introduced peer -> walker: signed and verified
 * so three signatures made and three checked per four datagrams, each over the datagram's own bytes, as in a swarm
 * (whose report says 0.756 made and 0.738 checked per datagram at 10,000 nodes). One second of warm-up walks is not
 * counted; once they are done, it starts walks for SECONDS and waits (at most 30 s) for the last of them to finish:
 * the CPU, datagrams and signatures counted are exactly those walks' work.
 *
 * libsodium's rates are probed the way `ipv8 swarm` probes them (one thread pinned to each CPU in turn, thread CPU
 * clock, 160-byte messages, 4,000 signs and 2,000 verifies split over the CPUs, the mean of the CPUs' rates), before and
 * after, and crypto_ratio is the swarm report's: process CPU over
 * (signatures made / sign rate + signatures checked / verify rate). Prints one JSON object; exits 1 (saying why on
 * stderr) if a signature failed to verify, no walk was counted, the warm-up's walks did not finish within 5 s, or a
 * counted walk did not finish within 30 s (a walk finishes when both its response and its puncture have reached the
 * walker): the counts would then be partial, or charged with work they do not count.
 *
 * Loopback only: every socket is bound to 127.0.0.1 and sends only to its siblings. libsodium is loaded from the path
 * given (the one Sodium.Core ships), so no headers are needed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
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
#define HEADER 12 /* sender index, step, walker index */

static int (*p_init)(void);
static int (*p_keypair)(unsigned char *, unsigned char *);
static int (*p_sign)(unsigned char *, unsigned long long *, const unsigned char *, unsigned long long, const unsigned char *);
static int (*p_verify)(const unsigned char *, const unsigned char *, unsigned long long, const unsigned char *);

static int sockets, size;
static int *fds;
static struct sockaddr_in *addrs;
static unsigned char *pks, *sks;
static atomic_int stop;
static atomic_llong datagrams, signs, verifies, failures, walks, send_errors;
/* Walks of the warm-up (0) and counted (1), all the time; a walk ends with two arrivals at the walker (the response
 * and the puncture), so one is finished when both have come. */
static atomic_llong started[2], arrived[2];

static long long under_way(int phase) { return atomic_load(&started[phase]) - atomic_load(&arrived[phase]) / 2; }

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

static void process_cpu(double *total, double *system) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    *system = u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
    *total = u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + *system;
}

/* Counts work of the counted walks only (phase 1), whenever it happens. */
static void count(int phase, atomic_llong *counter) {
    if (phase == 1) atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/*
 * The probe of src/Ipv8.Cli/Commands/SwarmCosts.cs, in C: on each CPU the process may use in turn (the thread pins
 * itself; the vCPUs of a shared VM need not be equally fast), 4,000 signs and 2,000 verifies split evenly over the CPUs
 * (each at least 100 and 40, after 20 and 10 untimed), timed by the thread CPU clock; the rates are the mean of the
 * CPUs' rates. Unpinned (one run of the whole) where the affinity cannot be read or set. probe_cpus in the JSON: the
 * fewer CPUs of the two probes (before and after).
 */
static int probe_cpus;

static void probe_on(const unsigned char *pk, const unsigned char *sk, unsigned char sigs[256][SIG], int signs, int verifies,
                     double *sign_rate, double *verify_rate) {
    unsigned char message[160], sig[SIG];
    for (int i = 0; i < 160; i++) message[i] = (unsigned char)(i * 31);
    for (int i = 0; i < 20; i++) { memcpy(message, &i, sizeof(int)); p_sign(sig, NULL, message, 160, sk); }
    for (int i = 0; i < 10; i++) { memcpy(message, &(int){ i % 256 }, sizeof(int)); p_verify(sigs[i % 256], message, 160, pk); }
    double t = thread_cpu();
    for (int i = 0; i < signs; i++) {
        memcpy(message, &i, sizeof(int));
        p_sign(sig, NULL, message, 160, sk);
    }
    *sign_rate = signs / (thread_cpu() - t);
    t = thread_cpu();
    for (int i = 0; i < verifies; i++) {
        memcpy(message, &(int){ i % 256 }, sizeof(int));
        if (p_verify(sigs[i % 256], message, 160, pk) != 0) {
            fprintf(stderr, "swarm_floor: libsodium refused its own signature\n");
            exit(1);
        }
    }
    *verify_rate = verifies / (thread_cpu() - t);
}

static int share(int total, int cpus, int min) {
    int each = (total + cpus - 1) / cpus;
    each = each < min ? min : each;
    return each > total ? total : each;
}

static void probe(double *sign_rate, double *verify_rate) {
    unsigned char pk[PK], sk[SK], message[160], sigs[256][SIG];
    p_keypair(pk, sk);
    for (int i = 0; i < 160; i++) message[i] = (unsigned char)(i * 31);
    for (int i = 0; i < 50 + 256; i++) {
        memcpy(message, &(int){ i % 256 }, sizeof(int));
        p_sign(sigs[i % 256], NULL, message, 160, sk);
    }
    cpu_set_t allowed;
    int n = sched_getaffinity(0, sizeof allowed, &allowed) == 0 ? CPU_COUNT(&allowed) : 0;
    double sign_sum = 0, verify_sum = 0;
    int measured = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n > 0; cpu++) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0) continue;
        double s, v;
        probe_on(pk, sk, sigs, share(4000, n, 100), share(2000, n, 40), &s, &v);
        sign_sum += s;
        verify_sum += v;
        measured++;
    }
    if (measured > 0 && sched_setaffinity(0, sizeof allowed, &allowed) != 0) { /* every CPU again, for the threads started after */
        fprintf(stderr, "swarm_floor: could not give the main thread its CPUs back after the probe\n");
        exit(1);
    }
    if (measured == 0) {
        probe_on(pk, sk, sigs, 4000, 2000, &sign_sum, &verify_sum);
        measured = 1;
    }
    probe_cpus = probe_cpus == 0 || measured < probe_cpus ? measured : probe_cpus; /* the fewer of the two probes' */
    *sign_rate = sign_sum / measured;
    *verify_rate = verify_sum / measured;
}

static int next_random(unsigned *rng) {
    *rng ^= *rng << 13; *rng ^= *rng >> 17; *rng ^= *rng << 5;
    return (int)(*rng % (unsigned)sockets);
}

/* Sends step `step` of a walk of `phase` (0 warm-up, 1 counted) started by `walker`, from socket `from` to socket `to`:
 * signed unless a puncture request. */
static void send_step(int from, int to, int step, int phase, int walker, unsigned *rng) {
    unsigned char message[1500];
    int tag = step | (phase << 8);
    memcpy(message, &from, 4);
    memcpy(message + 4, &tag, 4);
    memcpy(message + 8, &walker, 4);
    for (int b = HEADER; b < size - SIG; b++) message[b] = (unsigned char)(*rng + b);
    if (step != 3) {
        p_sign(message + size - SIG, NULL, message, size - SIG, sks + (size_t)from * SK);
        count(phase, &signs);
    } else {
        memset(message + size - SIG, 0, SIG);
    }
    if (to == from) to = (to + 1) % sockets;
    if (sendto(fds[from], message, size, MSG_DONTWAIT, (struct sockaddr *)&addrs[to], sizeof addrs[to]) != size) count(phase, &send_errors);
}

/* Starts walks of `phase` for `seconds`: at `rate` a second, spread evenly, or (rate 0) keeping 64 under way. */
static void walk_for(int phase, double seconds, double rate, unsigned *rng) {
    double start = mono(), end = start + seconds;
    long long due = 0;
    for (double now = start; now < end; now = mono()) {
        long long target = rate > 0 ? (long long)((now - start) * rate) : due + (64 - under_way(phase));
        for (; due < target && mono() < end; due++) {
            int walker = next_random(rng);
            send_step(walker, next_random(rng), 1, phase, walker, rng);
            atomic_fetch_add(&started[phase], 1);
            count(phase, &walks);
        }
        struct timespec tick = { 0, rate > 0 ? 1000000 : 50000 };
        nanosleep(&tick, NULL);
    }
}

/* Waits (at most `seconds`: a loaded machine may be far behind) until every walk of `phase` has finished; says
 * whether they all have. */
static int drain(int phase, double seconds) {
    double deadline = mono() + seconds;
    while (2 * atomic_load(&started[phase]) > atomic_load(&arrived[phase]) && mono() < deadline) {
        struct timespec tick = { 0, 1000000 };
        nanosleep(&tick, NULL);
    }
    return 2 * atomic_load(&started[phase]) <= atomic_load(&arrived[phase]);
}

struct loop { int index; int epoll; };

static void *receive(void *arg) {
    struct loop *loop = arg;
    unsigned rng = 0x9e3779b9u * (unsigned)(loop->index + 1);
    struct epoll_event events[MAX_EVENTS];
    static __thread unsigned char buffers[PER_TURN][2048];
    struct iovec iov[PER_TURN];
    struct mmsghdr msgs[PER_TURN];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < PER_TURN; i++) {
        iov[i].iov_base = buffers[i];
        iov[i].iov_len = sizeof buffers[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        int ready = epoll_wait(loop->epoll, events, MAX_EVENTS, 100);
        for (int e = 0; e < ready; e++) {
            int me = (int)events[e].data.u32;
            int n = recvmmsg(fds[me], msgs, PER_TURN, MSG_DONTWAIT, NULL);
            for (int i = 0; i < n; i++) {
                int sender, tag, walker;
                memcpy(&sender, buffers[i], 4);
                memcpy(&tag, buffers[i] + 4, 4);
                memcpy(&walker, buffers[i] + 8, 4);
                int step = tag & 0xff, phase = tag >> 8;
                if ((int)msgs[i].msg_len != size || sender < 0 || sender >= sockets || walker < 0 || walker >= sockets || step < 1 || step > 4 ||
                    phase < 0 || phase > 1) {
                    atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
                    continue;
                }
                count(phase, &datagrams);
                if (step != 3) {
                    if (p_verify(buffers[i] + size - SIG, buffers[i], size - SIG, pks + (size_t)sender * PK) != 0) {
                        atomic_fetch_add_explicit(&failures, 1, memory_order_relaxed);
                        continue;
                    }
                    count(phase, &verifies);
                }
                if (step == 1) {
                    send_step(me, sender, 2, phase, walker, &rng);             /* the response, to the walker */
                    send_step(me, next_random(&rng), 3, phase, walker, &rng);  /* the puncture request, to the introduced peer */
                } else if (step == 2) {
                    atomic_fetch_add_explicit(&arrived[phase], 1, memory_order_relaxed);
                } else if (step == 3) {
                    send_step(me, walker, 4, phase, walker, &rng);             /* the puncture, to the walker */
                } else if (step == 4) {
                    atomic_fetch_add_explicit(&arrived[phase], 1, memory_order_relaxed);
                }
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: swarm_floor LIBSODIUM SOCKETS SECONDS WALKS_PER_SECOND SIZE\n");
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
    double seconds = atof(argv[3]);
    double rate = atof(argv[4]);
    size = atoi(argv[5]);
    if (sockets < 3 || sockets > 60000 || seconds <= 0 || seconds > 600 || rate < 0 || rate > 1e6 || size < HEADER + SIG || size > 1400) {
        fprintf(stderr, "swarm_floor: SOCKETS 3..60000, SECONDS 0..600, WALKS_PER_SECOND 0..1000000, SIZE 76..1400\n");
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
    struct loop loops[THREADS];
    for (int t = 0; t < THREADS; t++) {
        loops[t].index = t;
        loops[t].epoll = epoll_create1(EPOLL_CLOEXEC);
    }
    for (int i = 0; i < sockets; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        if (fds[i] < 0 || bind(fds[i], (struct sockaddr *)&me, sizeof me) != 0) {
            if (errno == EMFILE)
                fprintf(stderr, "swarm_floor: %d sockets need %d open files, and the hard limit is %llu (ulimit -Hn)\n", sockets, sockets + 64,
                        (unsigned long long)files.rlim_max);
            else
                perror("swarm_floor: socket");
            return 1;
        }
        socklen_t len = sizeof addrs[i];
        getsockname(fds[i], (struct sockaddr *)&addrs[i], &len);
        struct epoll_event event = { .events = EPOLLIN, .data.u32 = (unsigned)i };
        epoll_ctl(loops[i % THREADS].epoll, EPOLL_CTL_ADD, fds[i], &event);
        p_keypair(pks + (size_t)i * PK, sks + (size_t)i * SK);
    }
    double setup_cpu, setup_sys;
    process_cpu(&setup_cpu, &setup_sys); /* the probe, the sockets and key pairs: not counted below */

    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, receive, &loops[t]);

    /* The walk thread: this one. One second of warm-up walks (phase 0), not counted; once they are done (at most 5 s),
     * SECONDS of counted walks (phase 1); once those are done (at most 30 s), the CPU read covers exactly the counted
     * walks' work, which the receive threads count by the phase each datagram carries. */
    unsigned rng = 12345;
    walk_for(0, 1, rate, &rng);
    if (!drain(0, 5)) {
        fprintf(stderr, "swarm_floor: the warm-up's walks did not finish within 5 s (datagrams lost, or the machine far behind): "
                        "nothing counted\n");
        return 1;
    }
    double cpu0, sys0;
    process_cpu(&cpu0, &sys0);
    double t0 = mono();
    walk_for(1, seconds, rate, &rng);
    double walking = mono() - t0;
    drain(1, 30);
    double cpu, sys;
    process_cpu(&cpu, &sys);
    double elapsed = mono() - t0;
    cpu -= cpu0;
    sys -= sys0;
    atomic_store(&stop, 1);
    for (int t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);

    probe(&sign_after, &verify_after);
    double sign_rate = (sign_before + sign_after) / 2, verify_rate = (verify_before + verify_after) / 2;
    long long d = atomic_load(&datagrams), s = atomic_load(&signs), v = atomic_load(&verifies), f = atomic_load(&failures);
    long long w = atomic_load(&walks), unfinished = under_way(1) + (atomic_load(&arrived[1]) % 2);
    double work = s / sign_rate + v / verify_rate;
    printf("{\"sockets\":%d,\"size\":%d,\"seconds\":%.3f,\"seconds_walking\":%.3f,\"walks_per_second_asked\":%.1f,\"walks\":%lld,"
           "\"walks_per_second\":%.1f,\"walks_unfinished\":%lld,\"datagrams\":%lld,\"signatures_created\":%lld,\"signatures_verified\":%lld,"
           "\"failures\":%lld,\"send_errors\":%lld,\"cpu_seconds\":%.3f,\"system_cpu_seconds\":%.3f,"
           "\"cpu_microseconds_per_datagram\":%.2f,\"system_microseconds_per_datagram\":%.2f,"
           "\"libsodium_sign_per_second\":%.1f,\"libsodium_verify_per_second\":%.1f,"
           "\"crypto_seconds_at_probe_rates\":%.3f,\"crypto_ratio\":%.3f,\"setup_cpu_seconds\":%.3f,\"probe_cpus\":%d}\n",
           sockets, size, elapsed, walking, rate, w, w / walking, unfinished, d, s, v, f,
           (long long)atomic_load(&send_errors), cpu, sys, d > 0 ? cpu * 1e6 / d : 0, d > 0 ? sys * 1e6 / d : 0,
           sign_rate, verify_rate, work, work > 0 ? cpu / work : 0, setup_cpu, probe_cpus);
    if (f > 0) {
        fprintf(stderr, "swarm_floor: %lld datagrams were malformed or failed to verify\n", f);
        return 1;
    }
    if (w == 0) {
        fprintf(stderr, "swarm_floor: no walk step started in %.3f s: give it more time\n", seconds);
        return 1;
    }
    if (unfinished > 0) {
        fprintf(stderr, "swarm_floor: %lld of %lld counted walk steps did not finish within 30 s (datagrams lost, or the machine far "
                        "behind): the counts are partial\n", unfinished, w);
        return 1;
    }
    return 0;
}
