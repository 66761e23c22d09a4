/* openloop: an open-loop HTTP/1.1 load client for the web benchmark (bench/web_client.py).
 *
 *   openloop HOST_IP PORT RATE SECONDS REQUEST_FILE
 *
 * Sends the bytes of REQUEST_FILE (a whole request with "Connection: close") int(RATE *
 * SECONDS) times (where it holds the 8 bytes "~SEQNUM~", request i has i there instead, as
 * 8 decimal digits: a click id new on every request), request i due at start + i / RATE, each on a new connection, and reads
 * each answer until the server closes. Open loop: a request is sent when it is due, whether
 * or not the earlier ones were answered, and if the client itself falls behind it sends at
 * once and the lateness counts, since latency is measured from the due time, not the send
 * (no coordinated omission). One thread and epoll: a Python client cannot send 2,000
 * connections a second beside the servers on two cores, and its own queue showed as p99.
 *
 * Output, one line per request in order, on stdout:
 *   <status> <latency_us>   answered: the status code of the first line, microseconds from
 *                           the due time until the server closed the connection
 *   0 <reason>              not answered: refused, reset, timeout, noanswer (closed before a
 *                           status line), badanswer, nofd, noport, or errno<N>
 * and a one-line summary on stderr. Linux only. Build: gcc -O2 -Wall -Wextra -o openloop openloop.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT_S 30.0 /* per connection, from its send: so a stalled server cannot hang us */
#define TIMER_TAG UINT64_MAX

struct req {
    int fd;             /* -1 before the send and once done */
    size_t sent;        /* bytes of the request written so far (writes may be partial) */
    char head[16];      /* the answer's first bytes: "HTTP/1.1 200 " is all we parse */
    size_t head_len;
    double started;     /* when it was sent, for the timeout */
    int status;         /* the answer's status code, 0 if none */
    const char *error;  /* why there is no answer, NULL if answered */
    long latency_us;
};

static struct req *reqs;
static char *request;
static size_t request_len;
static char *numbered;   /* a copy of request with the sequence number written in */
static long seq_at = -1; /* where "~SEQNUM~" is in request, or -1 */
static struct sockaddr_in server;
static int ep;
static long open_count;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static const char *reason(int err)
{
    static char other[32];
    switch (err) {
    case ECONNREFUSED: return "refused";
    case ECONNRESET: case EPIPE: return "reset";
    case ETIMEDOUT: return "timeout";
    case EMFILE: case ENFILE: return "nofd";
    case EADDRNOTAVAIL: return "noport"; /* out of ephemeral ports */
    }
    snprintf(other, sizeof other, "errno%d", err);
    return other;
}

/* "HTTP/1.1 200 OK": the three digits after the first space, or 0. */
static int parse_status(const char *head, size_t len)
{
    const char *space = memchr(head, ' ', len);
    if (len < 5 || memcmp(head, "HTTP/", 5) != 0 || !space || head + len - space < 4)
        return 0;
    int status = 0;
    for (int k = 1; k <= 3; k++) {
        if (space[k] < '0' || space[k] > '9')
            return 0;
        status = status * 10 + (space[k] - '0');
    }
    return status;
}

static void finish(struct req *r, double due, const char *error)
{
    if (r->fd >= 0) {
        close(r->fd); /* also removes it from epoll */
        r->fd = -1;
        open_count--;
    }
    r->error = error;
    if (!error) {
        r->status = parse_status(r->head, r->head_len);
        if (!r->status)
            r->error = r->head_len ? "badanswer" : "noanswer";
    }
    r->latency_us = (long)((now() - due) * 1e6 + 0.5);
}

static void begin(struct req *r, long i, double due)
{
    r->started = now();
    r->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (r->fd < 0) {
        finish(r, due, reason(errno));
        return;
    }
    open_count++;
    if (connect(r->fd, (struct sockaddr *)&server, sizeof server) < 0 && errno != EINPROGRESS) {
        finish(r, due, reason(errno));
        return;
    }
    /* Edge-triggered: one wake-up when connected (writable), one per batch of answer. */
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = (uint64_t)i};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, r->fd, &ev) < 0)
        die("epoll_ctl");
}

/* Make what progress the socket allows: write the rest of the request, then read until
 * EAGAIN (edge-triggered, so drain) or the server's close. A failed connect shows here as
 * the write's error. */
static void step(struct req *r, double due, uint32_t events)
{
    static char scratch[65536];
    const char *bytes = request;
    if (seq_at >= 0 && r->sent < request_len) {
        char digits[16];
        snprintf(digits, sizeof digits, "%08ld", (long)(r - reqs) % 100000000L);
        memcpy(numbered + seq_at, digits, 8);
        bytes = numbered;
    }
    while (r->sent < request_len) {
        ssize_t n = send(r->fd, bytes + r->sent, request_len - r->sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                finish(r, due, reason(errno));
            return;
        }
        r->sent += (size_t)n;
    }
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        return; /* only just connected: the answer cannot be here yet, it will wake us */
    for (;;) {
        ssize_t n = read(r->fd, scratch, sizeof scratch);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                finish(r, due, reason(errno));
            return;
        }
        if (n == 0) {
            finish(r, due, NULL);
            return;
        }
        size_t keep = sizeof r->head - r->head_len;
        if (keep > (size_t)n)
            keep = (size_t)n;
        memcpy(r->head + r->head_len, scratch, keep);
        r->head_len += keep;
    }
}

static void read_request(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        die(path);
    request_len = (size_t)st.st_size;
    request = malloc(request_len + 1);
    for (size_t got = 0; got < request_len;) {
        ssize_t n = read(fd, request + got, request_len - got);
        if (n <= 0)
            die(path);
        got += (size_t)n;
    }
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST_IP PORT RATE SECONDS REQUEST_FILE\n", argv[0]);
        return 2;
    }
    double rate = strtod(argv[3], NULL), seconds = strtod(argv[4], NULL);
    server.sin_family = AF_INET;
    server.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1 || !(rate > 0) || !(seconds >= 0)) {
        fprintf(stderr, "%s: HOST_IP must be an IPv4 address, RATE > 0, SECONDS >= 0\n", argv[0]);
        return 2;
    }
    read_request(argv[5]);
    char *marker = memmem(request, request_len, "~SEQNUM~", 8);
    if (marker) {
        seq_at = marker - request;
        numbered = malloc(request_len);
        if (!numbered)
            die("malloc");
        memcpy(numbered, request, request_len);
    }
    long count = (long)(rate * seconds); /* as Python's int(rate * seconds) */
    reqs = calloc(count ? (size_t)count : 1, sizeof *reqs);
    if (!reqs)
        die("calloc");

    /* Hundreds of connections may be in flight when the server lags: lift the soft limit. */
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }

    /* epoll_wait's timeout is whole milliseconds, two requests apart at 2,000 a second:
     * a timerfd wakes us when the next request is due, to the microsecond. */
    ep = epoll_create1(EPOLL_CLOEXEC);
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (ep < 0 || timer < 0)
        die("epoll/timerfd");
    struct epoll_event tev = {.events = EPOLLIN, .data.u64 = TIMER_TAG};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, timer, &tev) < 0)
        die("epoll_ctl");

    double start = now(), max_lag = 0, armed = 0;
    long next = 0;   /* the next request to send */
    long oldest = 0; /* no request before it is still open */
    for (;;) {
        double t = now();
        for (; next < count && start + next / rate <= t; next++) {
            double due = start + next / rate;
            begin(&reqs[next], next, due);
            if (reqs[next].started - due > max_lag)
                max_lag = reqs[next].started - due;
        }
        /* Sent in order with the same timeout, so they expire in order: look at the oldest. */
        for (; oldest < next; oldest++) {
            struct req *r = &reqs[oldest];
            if (r->fd >= 0 && r->started + TIMEOUT_S > t)
                break;
            if (r->fd >= 0)
                finish(r, start + oldest / rate, "timeout");
        }
        if (next == count && open_count == 0)
            break;

        double wake = next < count ? start + next / rate : INFINITY;
        if (oldest < next && reqs[oldest].started + TIMEOUT_S < wake)
            wake = reqs[oldest].started + TIMEOUT_S;
        if (wake != armed) { /* else still armed for it: woken by an answer, not the timer */
            struct itimerspec its = {.it_value = {.tv_sec = (time_t)wake,
                                                  .tv_nsec = (long)((wake - (time_t)wake) * 1e9)}};
            if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
                its.it_value.tv_nsec = 1; /* zero would disarm it */
            if (timerfd_settime(timer, TFD_TIMER_ABSTIME, &its, NULL) < 0)
                die("timerfd_settime");
            armed = wake;
        }

        struct epoll_event events[256];
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno != EINTR)
            die("epoll_wait");
        for (int k = 0; k < n; k++) {
            if (events[k].data.u64 == TIMER_TAG) {
                uint64_t ticks;
                if (read(timer, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                    die("read timerfd");
                continue;
            }
            long i = (long)events[k].data.u64;
            if (reqs[i].fd >= 0)
                step(&reqs[i], start + i / rate, events[k].events);
        }
    }

    long answered = 0;
    for (long i = 0; i < count; i++) {
        if (reqs[i].error) {
            printf("0 %s\n", reqs[i].error);
        } else {
            printf("%d %ld\n", reqs[i].status, reqs[i].latency_us);
            answered++;
        }
    }
    fprintf(stderr, "openloop: %ld requests in %.2f s, %ld answered, sent at most %.2f ms behind schedule\n",
            count, now() - start, answered, max_lag * 1e3);
    return 0;
}
