/* diff-closures: the version and size changes between two closures, by package name. */
#include "profile/profile.h"

#include <gc/gc.h>
#include <string.h>

#include "store/build.h"
#include "store/valid.h"
#include "util/drvname.h"
#include "util/strbuf.h"

typedef struct Pkg {
    const char *pname;
    const char **versions;
    size_t nversions;
    uint64_t size;
} Pkg;

static Pkg *closure_pkgs(Store *s, const char *root, size_t *n)
{
    size_t nc;
    const char **cl = store_closure(s, &root, 1, &nc);
    Pkg *v = GC_MALLOC((nc + 1) * sizeof *v);
    size_t cnt = 0;
    for (size_t i = 0; i < nc; i++) {
        const char *name = store_path_name(store_dir(s), cl[i]);
        if (!name)
            continue;
        DrvName dn = drvname_parse(name, strlen(name));
        const char *pn = GC_strndup(name, dn.name_len), *ver = dn.version;
        PathInfo info;
        uint64_t sz = store_query_info(s, cl[i], &info) ? info.nar_size : 0;
        size_t k = 0;
        while (k < cnt && strcmp(v[k].pname, pn))
            k++;
        if (k == cnt)
            v[cnt++] = (Pkg){pn, GC_MALLOC(nc * sizeof(char *)), 0, 0};
        bool have = false;
        for (size_t m = 0; m < v[k].nversions; m++)
            have = have || !strcmp(v[k].versions[m], ver);
        if (!have)
            v[k].versions[v[k].nversions++] = ver;
        v[k].size += sz;
    }
    *n = cnt;
    return v;
}

static const char *versions_str(const Pkg *p)
{
    if (!p)
        return "∅";
    StrBuf sb;
    sb_init(&sb);
    for (size_t i = 0; i < p->nversions; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", *p->versions[i] ? p->versions[i] : "ε");
    return sb_finish(&sb);
}

void profile_diff_closures(Store *s, const char *a, const char *b, StrBuf *out)
{
    size_t na, nb;
    Pkg *pa = closure_pkgs(s, a, &na), *pb = closure_pkgs(s, b, &nb);
    const char **names = GC_MALLOC((na + nb + 1) * sizeof *names);
    size_t nn = 0;
    for (size_t i = 0; i < na + nb; i++) {
        const char *pn = i < na ? pa[i].pname : pb[i - na].pname;
        bool have = false;
        for (size_t k = 0; k < nn; k++)
            have = have || !strcmp(names[k], pn);
        if (!have)
            names[nn++] = pn;
    }
    for (size_t i = 1; i < nn; i++) /* insertion sort: small sets */
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            const char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    for (size_t i = 0; i < nn; i++) {
        if (!strcmp(names[i], "user-environment"))
            continue;
        const Pkg *x = NULL, *y = NULL;
        for (size_t k = 0; k < na; k++)
            if (!strcmp(pa[k].pname, names[i]))
                x = &pa[k];
        for (size_t k = 0; k < nb; k++)
            if (!strcmp(pb[k].pname, names[i]))
                y = &pb[k];
        const char *vx = versions_str(x), *vy = versions_str(y);
        int64_t delta = (int64_t)(y ? y->size : 0) - (int64_t)(x ? x->size : 0);
        bool vchange = strcmp(vx, vy) != 0;
        if (!vchange && delta == 0)
            continue;
        sb_printf(out, "  %s:", names[i]);
        if (vchange)
            sb_printf(out, " %s → %s", vx, vy);
        if (delta)
            sb_printf(out, "%s %+.1f KiB", vchange ? "," : "", (double)delta / 1024.0);
        sb_putc(out, '\n');
    }
}
