/*
 * weir's process spawner, native build (ADR 0010). Same job as ../python/weir_spawner.py, which weir uses when
 * this file cannot be compiled here: start task processes for the weir server, so the large server process never
 * forks, and report how they end.
 *
 * Protocol (stdin, from weir): one request per frame, "<decimal length>\n" then that many bytes of NUL-terminated
 * fields: id, cwd, stdout path, stderr path, argc, argv..., envc, "KEY=VALUE"... The child's environment is this
 * process's own (weir's environment when it started the spawner) with the request's variables on top.
 * Replies (stdout, to weir), one line each:
 *   "P <id> <pid>"                 started
 *   "E <id> <errno> <message>"     could not start
 *   "X <id> <exit code or -> <signal number or ->"   ended, after the rest of its process group was killed
 * Each child gets its own process group (pgid = pid), a default signal disposition and an empty signal mask, stdin
 * from /dev/null and stdout/stderr appended to its log files. When stdin closes (weir stopped) the spawner exits;
 * running children keep going and are reconciled by weir's crash recovery.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Running children: pid -> request id. Linear: weir runs a handful of processes at a time. */
struct child { pid_t pid; char id[24]; };
static struct child *children;
static size_t nchildren, capchildren;

/* (program, PATH) -> resolved path, so a PATH search (an access() per folder) happens once per program. */
struct found { char *name; char *path_env; char *program; };
static struct found found[64];
static size_t nfound;

static void reply(const char *line, size_t n) {
  while (n > 0) {
    ssize_t w = write(1, line, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      _exit(1); /* weir is gone */
    }
    line += w;
    n -= (size_t)w;
  }
}

static void reply_error(const char *id, int err) {
  char line[512];
  int n = snprintf(line, sizeof line, "E %s %d %s\n", id, err, strerror(err));
  reply(line, (size_t)n);
}

static const char *env_get(char **envp, const char *key) {
  size_t k = strlen(key);
  for (char **e = envp; *e; e++)
    if (strncmp(*e, key, k) == 0 && (*e)[k] == '=') return *e + k + 1;
  return NULL;
}

/* Searches the child's PATH (as Node's spawn does), not the spawner's own. Returns NULL with errno set. */
static const char *resolve_program(const char *name, char **envp, int refresh) {
  if (strchr(name, '/')) return name;
  const char *path_env = env_get(envp, "PATH");
  if (!path_env) path_env = "/usr/local/bin:/usr/bin:/bin";
  for (size_t i = 0; i < nfound; i++) {
    if (strcmp(found[i].name, name) == 0 && strcmp(found[i].path_env, path_env) == 0) {
      if (!refresh) return found[i].program;
      free(found[i].name);
      free(found[i].path_env);
      free(found[i].program);
      found[i] = found[--nfound];
      break;
    }
  }
  char candidate[4096];
  const char *p = path_env;
  for (;;) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    int n = len == 0 ? snprintf(candidate, sizeof candidate, "./%s", name) : snprintf(candidate, sizeof candidate, "%.*s/%s", (int)len, p, name);
    if (n > 0 && (size_t)n < sizeof candidate && access(candidate, X_OK) == 0) {
      if (nfound == sizeof found / sizeof found[0]) {
        nfound--;
        free(found[nfound].name);
        free(found[nfound].path_env);
        free(found[nfound].program);
      }
      found[nfound] = (struct found){strdup(name), strdup(path_env), strdup(candidate)};
      return found[nfound++].program;
    }
    if (!end) break;
    p = end + 1;
  }
  errno = ENOENT;
  return NULL;
}

static void remember(pid_t pid, const char *id) {
  if (nchildren == capchildren) {
    capchildren = capchildren ? capchildren * 2 : 16;
    children = realloc(children, capchildren * sizeof *children);
    if (!children) _exit(1);
  }
  children[nchildren].pid = pid;
  snprintf(children[nchildren].id, sizeof children[nchildren].id, "%s", id);
  nchildren++;
}

/* Starts one request; fields point into the frame. */
static void spawn_request(char **fields, size_t nfields) {
  if (nfields < 5) return;
  const char *id = fields[0], *cwd = fields[1], *out = fields[2], *err = fields[3];
  size_t argc = strtoul(fields[4], NULL, 10);
  if (argc == 0 || 5 + argc >= nfields) return reply_error(id, EINVAL);
  char **argv = fields + 5;
  size_t envc = strtoul(fields[5 + argc], NULL, 10);
  if (6 + argc + envc > nfields) return reply_error(id, EINVAL);
  char **overrides = fields + 6 + argc;

  /* The environment: ours, each override replacing the variable of the same name or added. */
  size_t nbase = 0;
  while (environ[nbase]) nbase++;
  char **envp = malloc((nbase + envc + 1) * sizeof *envp);
  if (!envp) _exit(1);
  memcpy(envp, environ, nbase * sizeof *envp);
  size_t nenv = nbase;
  for (size_t i = 0; i < envc; i++) {
    const char *eq = strchr(overrides[i], '=');
    size_t k = eq ? (size_t)(eq - overrides[i]) : strlen(overrides[i]);
    size_t j = 0;
    for (; j < nenv; j++)
      if (strncmp(envp[j], overrides[i], k) == 0 && envp[j][k] == '=') break;
    envp[j] = overrides[i];
    if (j == nenv) nenv++;
  }
  envp[nenv] = NULL;

  /* argv must be NULL-terminated: the field after argv is envc, which we have read; borrow its slot. */
  char *saved = argv[argc];
  argv[argc] = NULL;

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);

  pid_t pid = 0;
  int rc;
  const char *program = resolve_program(argv[0], envp, 0);
  if (!program) {
    rc = errno;
  } else {
    rc = posix_spawn(&pid, program, &fa, &attr, argv, envp);
    /* A cached program that moved or disappeared: search PATH again once. */
    if (rc == ENOENT && program != argv[0] && (program = resolve_program(argv[0], envp, 1)) != NULL)
      rc = posix_spawn(&pid, program, &fa, &attr, argv, envp);
  }
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  argv[argc] = saved;
  free(envp);
  if (rc != 0) return reply_error(id, rc);
  /* Remembered before the next reap, so the pid is always announced before the exit. */
  remember(pid, id);
  char line[96];
  int n = snprintf(line, sizeof line, "P %s %d\n", id, (int)pid);
  reply(line, (size_t)n);
}

static void reap(void) {
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    size_t i = 0;
    while (i < nchildren && children[i].pid != pid) i++;
    if (i == nchildren) continue;
    /* Take down whatever the task left running in its group. */
    kill(-pid, SIGKILL);
    char line[96];
    int n = WIFEXITED(status) ? snprintf(line, sizeof line, "X %s %d -\n", children[i].id, WEXITSTATUS(status))
                              : snprintf(line, sizeof line, "X %s - %d\n", children[i].id, WTERMSIG(status));
    children[i] = children[--nchildren];
    reply(line, (size_t)n);
  }
}

int main(void) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);
  int sfd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) return 1;
  signal(SIGPIPE, SIG_DFL);

  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) return 1;
  struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {}
      reap();
    }
    if (!(fds[0].revents & (POLLIN | POLLHUP))) continue;
    if (len == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (!buf) return 1;
    }
    ssize_t r = read(0, buf + len, cap - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0; /* weir stopped */
    len += (size_t)r;
    /* Handle every complete frame in the buffer. */
    size_t at = 0;
    for (;;) {
      char *nl = memchr(buf + at, '\n', len - at);
      if (!nl) break;
      size_t size = strtoul(buf + at, NULL, 10);
      size_t start = (size_t)(nl - buf) + 1;
      if (len - start < size) {
        if (start + size > cap) {
          while (start + size > cap) cap *= 2;
          buf = realloc(buf, cap);
          if (!buf) return 1;
        }
        break;
      }
      /* Split the frame's NUL-terminated fields. */
      size_t nfields = 0, capfields = 64;
      char **fields = malloc(capfields * sizeof *fields);
      if (!fields) return 1;
      for (size_t p = start; p < start + size;) {
        if (nfields == capfields) {
          capfields *= 2;
          fields = realloc(fields, capfields * sizeof *fields);
          if (!fields) return 1;
        }
        fields[nfields++] = buf + p;
        p += strlen(buf + p) + 1;
      }
      spawn_request(fields, nfields);
      free(fields);
      at = start + size;
      /* A child may have ended while this frame was handled: report it before reading more. */
      struct signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {}
      reap();
    }
    memmove(buf, buf + at, len - at);
    len -= at;
  }
}
