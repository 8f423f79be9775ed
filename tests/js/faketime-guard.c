// faketime-guard.c: lets libfaketime load into workerd without deadlocking at startup.
// Built and used by worker-limits.test.mjs, preloaded *before* libfaketime:
//   LD_PRELOAD="faketime-guard.so libfaketime.so.1" workerd ...
//
// Why: workerd links tcmalloc, which initialises itself on the process's first malloc.
// libfaketime 0.9.10's constructor looks up symbols glibc does not have (__ftime, versioned
// timer_settime/timer_gettime); each failed dlsym allocates its error message, so that first
// malloc happens inside libfaketime's initialisation. tcmalloc's initialisation then calls
// poll, clock_gettime and nanosleep, which resolve to libfaketime's wrappers; those re-enter
// libfaketime's unfinished initialisation, whose dlsym allocates again, inside tcmalloc's
// initialisation: tcmalloc spins on its own lock forever (workerd never listens, even
// `workerd --version` hangs). libfaketimeMT.so.1 hangs the same way.
//
// The guard's functions come first in symbol resolution. Until the guard's constructor has
// forced libfaketime's initialisation to finish, they answer with the real system calls (real
// time: only tcmalloc's start-up and libfaketime's own calls run then); afterwards they hand
// every call to libfaketime unchanged.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile int ready;
static int (*next_clock_gettime)(clockid_t, struct timespec*);
static int (*next_gettimeofday)(struct timeval*, void*);
static time_t (*next_time)(time_t*);
static int (*next_nanosleep)(const struct timespec*, struct timespec*);
static int (*next_clock_nanosleep)(clockid_t, int, const struct timespec*, struct timespec*);
static int (*next_poll)(struct pollfd*, nfds_t, int);

__attribute__((constructor)) static void guard_init(void) {
  next_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
  next_gettimeofday = dlsym(RTLD_NEXT, "gettimeofday");
  next_time = dlsym(RTLD_NEXT, "time");
  next_nanosleep = dlsym(RTLD_NEXT, "nanosleep");
  next_clock_nanosleep = dlsym(RTLD_NEXT, "clock_nanosleep");
  next_poll = dlsym(RTLD_NEXT, "poll");
  // Whichever constructor runs first, libfaketime is initialised before the guard forwards:
  // this call initialises it (if its own constructor has not), with the guard still answering.
  struct timespec ts;
  if (next_clock_gettime) next_clock_gettime(CLOCK_REALTIME, &ts);
  ready = next_clock_gettime && next_gettimeofday && next_time && next_nanosleep &&
          next_clock_nanosleep && next_poll;
}

int clock_gettime(clockid_t clock, struct timespec* ts) {
  return ready ? next_clock_gettime(clock, ts) : syscall(SYS_clock_gettime, clock, ts);
}

int gettimeofday(struct timeval* tv, void* tz) {
  return ready ? next_gettimeofday(tv, tz) : syscall(SYS_gettimeofday, tv, tz);
}

time_t time(time_t* t) {
  if (ready) return next_time(t);
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
  if (t) *t = ts.tv_sec;
  return ts.tv_sec;
}

int nanosleep(const struct timespec* req, struct timespec* rem) {
  return ready ? next_nanosleep(req, rem) : syscall(SYS_nanosleep, req, rem);
}

int clock_nanosleep(clockid_t clock, int flags, const struct timespec* req, struct timespec* rem) {
  if (ready) return next_clock_nanosleep(clock, flags, req, rem);
  // clock_nanosleep returns the error number instead of setting errno.
  return syscall(SYS_clock_nanosleep, clock, flags, req, rem) == 0 ? 0 : errno;
}

int poll(struct pollfd* fds, nfds_t n, int timeout_ms) {
  if (ready) return next_poll(fds, n, timeout_ms);
  struct timespec t, *tp = NULL;
  if (timeout_ms >= 0) {
    t.tv_sec = timeout_ms / 1000;
    t.tv_nsec = (timeout_ms % 1000) * 1000000L;
    tp = &t;
  }
  return syscall(SYS_ppoll, fds, n, tp, NULL, sizeof(long));
}
