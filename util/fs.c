/* Small file-system helpers (see fs.h). */
#include "util/fs.h"

#include <errno.h>
#include <gc/gc.h>
#include <string.h>
#include <sys/stat.h>

#include "util/strbuf.h"

bool fs_mkdir_p(const char *path, mode_t mode)
{
    char *p = GC_strdup(path);
    for (char *q = p + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = 0;
        if (mkdir(p, mode) < 0 && errno != EEXIST)
            return false;
        *q = '/';
    }
    if (mkdir(p, mode) == 0)
        return true;
    struct stat sb;
    if (errno == EEXIST && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
        return true;
    if (errno == EEXIST)
        errno = ENOTDIR;
    return false;
}

char *fs_read_stream(FILE *f, size_t *len)
{
    StrBuf sb;
    sb_init(&sb);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_add(&sb, buf, n);
    if (ferror(f)) {
        errno = errno ? errno : EIO;
        return NULL;
    }
    *len = sb.len;
    return sb_finish(&sb);
}

char *fs_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = fs_read_stream(f, len);
    int e = errno;
    fclose(f);
    errno = e;
    return text;
}
