#!/usr/bin/env bash
# Runs each primitive pattern at 10^4, 10^5, 10^6 elements; prints wall time and peak RSS, and
# the growth factors time(10^6)/time(10^5) and peak(10^6)/peak(10^5), so that linear growth
# (about x10 per row; x100 would be quadratic) can be read off.
#   bench/scaling.sh BUILD/cnix
# With BENCH_RESULTS set, appends "scaling <tab> PATTERN <tab> N <tab> wall_s <tab> peak_MB <tab> ok".
set -u
cnix=$1
declare -A exprs=(
  [map]='n: builtins.length (map (x: x + 1) (builtins.genList (x: x) n))'
  [filter]='n: builtins.length (builtins.filter (x: x / 2 * 2 == x) (builtins.genList (x: x) n))'
  [foldl]="n: builtins.foldl' (a: b: a + b) 0 (builtins.genList (x: x) n)"
  [genList]='n: builtins.length (builtins.genList (x: x * 2) n)'
  [listToAttrs]='n: builtins.length (builtins.attrNames (builtins.listToAttrs (builtins.genList (i: { name = toString i; value = i; }) n)))'
  [attrNames]='n: let s = builtins.listToAttrs (builtins.genList (i: { name = "a${toString i}"; value = i; }) n); in builtins.length (builtins.attrNames s) + builtins.length (builtins.attrNames s)'
  [update]="n: builtins.length (builtins.attrNames (builtins.foldl' (acc: i: acc // { \"k\${toString (builtins.div i 100)}\" = i; }) {} (builtins.genList (x: x) n)))"
  [concat]="n: builtins.stringLength (builtins.foldl' (acc: i: acc + \"x\") \"\" (builtins.genList (x: x) n))"
  [interp]="n: builtins.stringLength (builtins.foldl' (acc: i: \"\${acc}x\") \"\" (builtins.genList (x: x) n))"
  [listAppend]="n: let r = builtins.foldl' (acc: x: acc ++ [ x ]) [ ] (builtins.genList (x: x) n); in builtins.elemAt r (n - 1)"
  [listPrepend]="n: let r = builtins.foldl' (acc: x: [ x ] ++ acc) [ ] (builtins.genList (x: x) n); in builtins.elemAt r (n - 1)"
  # src:KIND: a source file written for each n (below), evaluated with --eval --strict.
  [concatChain]='src:concat'
  [nestNeg]='src:neg'
  [nestParen]='src:paren'
  [nestList]='src:list'
  [nestSelect]='src:select'
  [nestLet]='src:let'
)
names=(map filter foldl genList listToAttrs attrNames update concat interp listAppend listPrepend
       concatChain nestNeg nestParen nestList nestSelect nestLet)
args=()
for name in "${names[@]}"; do args+=("$name" "${exprs[$name]}"); done
# Time cap per run: 60 s, and at 10^6 at most 20x the time at 10^5 (already more than linear
# growth allows): a quadratic pattern (each step copying its accumulator, as `//` loops do, in
# CppNix too) would take minutes there; a run that hits the cap is reported as such and its
# growth factor as a lower bound. String appends (concat, interp) and list appends
# (listAppend, listPrepend, concatChain: `[ 1 ] ++ [ 1 ] ++ ...` n long) are linear: a long
# operand is kept by reference (eval/rope.c), not copied. The nest* rows nest n/20 deep
# (unary minus written without blanks, lists, selections `s.a.a...`, `let`; parentheses n/40,
# as each takes 3 levels), so that 10^6 stays under the parser's nesting limit (10^5 levels).
python3 - "$cnix" "${BENCH_RESULTS:-}" "${args[@]}" <<'PY'
import atexit, os, shutil, subprocess, sys, tempfile, time
cnix, results, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
pats = list(zip(rest[0::2], rest[1::2]))
CAP = 60.0
rss = tempfile.NamedTemporaryFile(prefix="cnix-scale.")
SRC = {
    "concat": lambda n: "builtins.length (" + "[ 1 ] ++ " * n + "[ 1 ])",
    "neg": lambda n: "-" * (n // 40 * 2) + "1",  # an even count: the value is 1
    "paren": lambda n: "(" * (n // 40) + "1" + ")" * (n // 40),  # 3 levels each
    "list": lambda n: "builtins.length " + "[" * (n // 20) + "1" + "]" * (n // 20),
    "select": lambda n: "let s = { a = s; x = 1; }; in s" + ".a" * (n // 20) + ".x",
    "let": lambda n: "let a = 1; in " * (n // 20) + "a",
}
src_dir = tempfile.mkdtemp(prefix="cnix-scale-src.")
atexit.register(shutil.rmtree, src_dir, True)
def command(expr, n):
    if expr.startswith("src:"):
        f = os.path.join(src_dir, f"{expr[4:]}-{n}.nix")
        if not os.path.exists(f):
            with open(f, "w") as out:
                out.write(SRC[expr[4:]](n))
        return ["instantiate", "--eval", "--strict", f]
    return ["instantiate", "--eval", "--strict", "-E", f"({expr}) {n}"]
def measure(expr, n, cap):
    """(wall s, peak MB, ok, output): the fastest of up to 3 runs while they take under 5 s
    together (less noise from other load). Peak RSS from /usr/bin/time, whose own small
    footprint is all a child inherits (a child forked by Python would count Python's)."""
    best, spent = None, 0.0
    for _ in range(3):
        t = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, "timeout", f"{cap:.1f}", cnix]
                           + command(expr, n),
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t
        with open(rss.name) as f:
            kb = [l for l in f.read().split() if l.isdigit()]
        timed_out = p.returncode == 124
        ok = p.returncode == 0
        text = "(timeout)" if timed_out else (p.stdout.decode(errors="replace").strip()[:40] if ok else "(error)")
        r = (cap if timed_out else wall, int(kb[-1]) / 1024 if kb else 0.0, ok, text)
        if best is None or (ok and r[0] < best[0]):
            best = r
        spent += wall
        if not ok or spent > 5:
            break
    return best
print(f"{'pattern':<12} {'n':>8} {'wall_s':>8} {'peak_MB':>8}   result")
rows = []
for name, expr in pats:
    ts, ms = {}, {}
    for n in (10000, 100000, 1000000):
        cap = CAP if n < 1000000 else min(CAP, max(10.0, 20 * ts[100000][0]))
        wall, mb, ok, text = measure(expr, n, cap)
        ts[n], ms[n] = (wall, ok), mb
        shown = f">={wall:.0f}" if text == "(timeout)" else f"{wall:.3f}"
        print(f"{name:<12} {n:>8} {shown:>8} {mb:>8.1f}   {text}", flush=True)
        if results:
            with open(results, "a") as f:
                f.write(f"scaling\t{name}\t{n}\t{wall:.4f}\t{mb:.1f}\t{'ok' if ok else text}\n")
    rows.append((name, ts, ms))
print(f"\n{'pattern':<12} {'time x':>8} {'peak x':>8}   (growth from 10^5 to 10^6 elements; 10 = linear)")
for name, ts, ms in rows:
    a, b = ts[100000], ts[1000000]
    g = b[0] / a[0] if a[0] > 0 else float("inf")
    gm = ms[1000000] / ms[100000] if ms[100000] > 0 else float("inf")
    lb = ">=" if not b[1] else ""
    print(f"{name:<12} {lb + format(g, '.1f'):>8} {gm:>8.1f}")
PY
