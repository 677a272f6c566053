/* replay.c - a main() for a fuzz target without libFuzzer: runs LLVMFuzzerTestOneInput once on
 * every file named on the command line, or found (not recursively, names in strcmp order,
 * dot files skipped) in a directory named there.  CTest replays each target's seed corpus
 * and its regression inputs with it, in the plain and the sanitizer builds, so a fixed crash
 * stays fixed with any compiler.  Exits 2 when an argument cannot be read. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  unsigned char *buf = NULL;
  size_t n = 0, cap = 0, k;
  if (!f)
    return perror(path), -1;
  do {
    if (n == cap && !(buf = realloc(buf, cap = 2 * cap + 65536)))
      return fprintf(stderr, "%s: out of memory\n", path), fclose(f), -1;
    n += k = fread(buf + n, 1, cap - n, f);
  } while (k > 0);
  int bad = ferror(f);
  fclose(f);
  if (bad)
    return perror(path), free(buf), -1;
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Returns the number of inputs replayed, or -1. */
static int replay_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (!d)
    return perror(dir), -1;
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.')
      continue;
    if (n == cap && !(names = realloc(names, (cap = 2 * cap + 64) * sizeof *names)))
      return closedir(d), -1;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  if (n)
    qsort(names, n, sizeof *names, cmp_str);
  int count = 0;
  for (size_t i = 0; i < n; i++) {
    size_t len = strlen(dir) + strlen(names[i]) + 2;
    char *path = malloc(len);
    struct stat st;
    snprintf(path, len, "%s/%s", dir, names[i]);
    if (!stat(path, &st) && S_ISREG(st.st_mode))
      count = count < 0 || replay_file(path) ? -1 : count + 1;
    free(path);
    free(names[i]);
  }
  free(names);
  return count;
}

int main(int argc, char **argv) {
  int total = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    int k = stat(argv[i], &st) ? (perror(argv[i]), -1)
            : S_ISDIR(st.st_mode) ? replay_dir(argv[i])
                                  : (replay_file(argv[i]) ? -1 : 1);
    if (k < 0)
      return 2;
    printf("%s: %d input%s replayed\n", argv[i], k, k == 1 ? "" : "s");
    total += k;
  }
  printf("%d inputs replayed, no crash\n", total);
  return 0;
}
