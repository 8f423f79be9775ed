// fakeclock.c: moves a process's wall clock by an offset that a test can change while the
// process runs. Built and preloaded by worker-limits.test.mjs:
//   SY_FAKE_CLOCK_FILE=/tmp/x/clock LD_PRELOAD=fakeclock.so workerd ...
// The file holds the offset in milliseconds as a signed decimal integer ("86400000\n"); it is
// read on every wall-clock call, so the test moves time by rewriting it (atomically: write a
// temporary file, rename it over). A missing or unreadable file means no offset.
//
// Only the wall clock moves: clock_gettime(CLOCK_REALTIME, CLOCK_REALTIME_COARSE),
// gettimeofday() and time(). Monotonic and CPU clocks stay real, so timers and timeouts keep
// working.
//
// Why not libfaketime: workerd links tcmalloc, which reads the clock while holding its own locks
// (its heap sampler calls absl::Now()). libfaketime reads its offset file with stdio, and stdio
// allocates: a clock read inside a sampled allocation re-entered tcmalloc and deadlocked workerd,
// at random (and always at start-up, where libfaketime's own initialisation allocates). This shim
// never allocates and calls no libc function that could: it reads the file with raw system calls
// into a stack buffer, and takes the real time from the kernel (SYS_clock_gettime).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

// The offset in nanoseconds, read now (0 when the file is absent or malformed).
static int64_t offset_ns(void) {
  static const char kEnv[] = "SY_FAKE_CLOCK_FILE=";
  extern char** environ;
  const char* path = 0;
  for (char** e = environ; e && *e && !path; ++e) {
    const char* s = *e;
    size_t i = 0;
    while (kEnv[i] && s[i] == kEnv[i]) ++i;
    if (!kEnv[i]) path = s + i;
  }
  if (!path) return 0;
  long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[32];
  long n = syscall(SYS_read, fd, buf, sizeof buf - 1);
  syscall(SYS_close, fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  int64_t ms = 0;
  int i = 0, negative = 0, digits = 0;
  if (buf[i] == '-' || buf[i] == '+') negative = buf[i++] == '-';
  for (; buf[i] >= '0' && buf[i] <= '9' && digits < 15; ++i, ++digits) ms = ms * 10 + (buf[i] - '0');
  if (digits == 0) return 0;
  return (negative ? -ms : ms) * 1000000;
}

static int real_clock_gettime(clockid_t id, struct timespec* ts) {
  return (int)syscall(SYS_clock_gettime, id, ts);
}

static void shift(struct timespec* ts) {
  int64_t ns = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec + offset_ns();
  ts->tv_sec = (time_t)(ns / 1000000000);
  ts->tv_nsec = (long)(ns % 1000000000);
  if (ts->tv_nsec < 0) {
    ts->tv_nsec += 1000000000;
    ts->tv_sec -= 1;
  }
}

int clock_gettime(clockid_t id, struct timespec* ts) {
  int r = real_clock_gettime(id, ts);
  if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) shift(ts);
  return r;
}

int gettimeofday(struct timeval* tv, void* tz) {
  (void)tz;
  if (!tv) return 0;
  struct timespec ts;
  int r = clock_gettime(CLOCK_REALTIME, &ts);
  if (r != 0) return r;
  tv->tv_sec = ts.tv_sec;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

time_t time(time_t* out) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return (time_t)-1;
  if (out) *out = ts.tv_sec;
  return ts.tv_sec;
}
