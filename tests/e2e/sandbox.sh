#!/usr/bin/env bash
# e2e: sandboxed builds (Linux namespaces): only the input closure and sandbox-paths are
# visible, the store is read-only, no network except for fixed-output derivations, and a C
# program built by the host compiler through sandbox-paths.
#   CNIX=build/cnix tests/e2e/sandbox.sh
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
CNIX=${CNIX:-$root/build/cnix}
tmp=$(mktemp -d)
cleanup() { chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
export NIX_STORE_DIR=$tmp/store NIX_STATE_DIR=$tmp/var NIX_LOG_DIR=$tmp/log XDG_CONFIG_HOME=$tmp/config
unset NIX_CONFIG CNIX_STORE_ROOT
cd "$tmp" || exit 1
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '  %s\n' "$@"; }
same() { if [ "$2" = "$3" ]; then ok; else bad "$1" "want: $2" "got:  $3"; fi; }
has() { if grep -q -- "$2" "$3"; then ok; else bad "$1" "no '$2' in:" "$(cat "$3")"; fi; }
c() { timeout 60 "$CNIX" "$@"; }

# --propagation unchanged: util-linux would otherwise make / private, which fails where / is
# not a mount point (a chroot), although the namespaces themselves work there (and cnix's
# sandbox handles that case).
if ! unshare --mount --propagation unchanged --pid --net --fork true 2>/dev/null; then
  echo "skip: namespaces are not available here; checking the fallback rules only"
  drv='derivation { name = "x"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; }'
  # the default (sandbox on, sandbox-fallback on): a warning, then an unisolated build
  o=$(c build -E "$drv" --no-out-link 2>err)
  has "fallback warning" "sandboxing is not available" err
  # sandbox = true given explicitly: an error
  if c build -E "$drv" --no-out-link --option sandbox true 2>err2; then bad "explicit sandbox refused" "the build succeeded"; else ok; fi
  has "explicit sandbox error" "required for sandboxing" err2
  echo "sandbox: $pass passed, $fail failed (namespaces unavailable)"
  [ $fail = 0 ]; exit
fi

mkdir -p config/cnix
cat > config/cnix/cnix.conf <<'CONF'
sandbox = true
sandbox-paths = /bin /lib /usr /lib64?
CONF
echo "secret" > secret
cat > sb.nix <<NIX
let
  mk = name: script: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" script ]; };
in rec {
  dep = mk "dep" "echo dep > \$out";
  probe = mk "probe" ''
    export PATH=/bin:/usr/bin
    mkdir \$out
    cat \${dep} > \$out/dep
    cat $tmp/secret > \$out/secret 2>&1 || echo hidden >> \$out/secret
    ls \$NIX_STORE > \$out/store
    touch \${dep} 2> \$out/ro || echo readonly >> \$out/ro
    echo \$\$ > \$out/pid
    pwd > \$out/pwd
    hostname > \$out/host
    tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > \$out/net
  '';
  hello = mk "hello" ''
    export PATH=/bin:/usr/bin
    mkdir -p \$out/bin
    cat > hello.c <<'EOF'
    #include <stdio.h>
    int main(void) { puts("hello from the sandbox"); return 0; }
    EOF
    gcc -o \$out/bin/hello hello.c
  '';
  fod = derivation {
    name = "fod"; system = builtins.currentSystem; builder = "/bin/sh";
    args = [ "-c" "/usr/bin/tail -n +3 /proc/net/dev | /usr/bin/wc -l > \$out" ];
    outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = "$(tail -n +3 /proc/net/dev | wc -l | sha256sum | cut -d' ' -f1)";
  };
}
NIX
o=$(c build sb.nix -A probe 2>err); rc=$?
same "sandboxed build" 0 $rc
[ $rc = 0 ] || cat err
same "input visible" dep "$(cat "$o/dep")"
same "outside path hidden" hidden "$(tail -1 "$o/secret")"
same "only the closure in the store" 2 "$(wc -l < "$o/store")"
same "store read-only" readonly "$(tail -1 "$o/ro")"
same "builder is PID 1" 1 "$(cat "$o/pid")"
same "build dir /build" /build "$(cat "$o/pwd")"
same "hostname" localhost "$(cat "$o/host")"
same "network: loopback only" lo "$(cat "$o/net")"

o=$(c build sb.nix -A hello 2>err); rc=$?
same "C program via sandbox-paths" 0 $rc
[ $rc = 0 ] || tail -5 err
same "C program runs" "hello from the sandbox" "$("$o/bin/hello" 2>&1)"

o=$(c build sb.nix -A fod 2>err); rc=$?
same "fixed-output derivation keeps the network" 0 $rc
[ $rc = 0 ] || tail -5 err

# without the sandbox the secret is readable (the probe is a different derivation: name)
o=$(c build --option sandbox false -E "derivation { name = \"open\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"/bin/cat $tmp/secret > \\\$out\" ]; }" 2>err); rc=$?
same "unsandboxed sees the host" secret "$(cat "$o" 2>/dev/null)"

# a store under another root builds only in the sandbox
mkdir -p chroot
o=$(c build --store "local?root=$tmp/chroot" sb.nix -A dep 2>err); rc=$?
same "store with root=: builds in the sandbox" 0 $rc
same "store with root=: output under the root" dep "$(cat "$tmp/chroot$o" 2>/dev/null)"
c build --store "local?root=$tmp/chroot" --option sandbox false sb.nix -A probe >/dev/null 2>err; rc=$?
same "store with root= without sandbox refused" 1 $rc
has "refusal message" "without the sandbox" err

# ---- __noChroot: refused with sandbox = true, honoured with relaxed ----
nc="derivation { name = \"nochroot\"; __noChroot = true; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"/bin/cat $tmp/secret > \\\$out\" ]; }"
c build --no-out-link -E "$nc" >/dev/null 2>err; rc=$?
same "__noChroot with sandbox = true refused" 1 $rc
has "__noChroot message" "has '__noChroot' set, but that's not allowed when 'sandbox' is 'true'" err
o=$(c build --no-out-link --option sandbox relaxed -E "$nc" 2>err)
same "__noChroot with sandbox = relaxed sees the host" secret "$(cat "$o" 2>/dev/null)"

# ---- on by default: no `sandbox` setting at all, only the host's tools ----
drv='derivation { name = "dflt"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "/bin/cat SECRET > $out 2>&1 || echo hidden > $out" ]; }'
o=$(XDG_CONFIG_HOME=$tmp/none NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?" c build --no-out-link -E "${drv/SECRET/$tmp/secret}" 2>err)
same "a plain build cannot read outside its closure" hidden "$(cat "$o" 2>/dev/null)"

# ---- inside a chroot, where "/" is not a mount point (and user namespaces are refused) ----
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null && command -v setpriv >/dev/null && unshare -m true 2>/dev/null; then
  cr=$tmp/cr
  mkdir -p "$cr/tmp/u" "$cr/cnix"
  chmod 1777 "$cr/tmp" "$cr/tmp/u"
  echo secret > "$cr/tmp/secret"; chmod 644 "$cr/tmp/secret"
  cat > "$cr/tmp/run.sh" <<RUN
export HOME=/tmp XDG_CONFIG_HOME=/tmp/none NIX_CONFIG="sandbox-paths = /bin /lib /usr /lib64?"
cd /tmp
run() { # WHO DIR ARGS...: a build of the probe into the store under DIR, as root or nobody
  who=\$1 d=\$2; shift 2
  set -- env NIX_STORE_DIR=\$d/store NIX_STATE_DIR=\$d/var NIX_LOG_DIR=\$d/log /cnix/$(basename "$CNIX") build --no-out-link "\$@" -E '${drv/SECRET//tmp/secret}'
  if [ \$who = nobody ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "\$@"; else "\$@"; fi
}
o=\$(run root /tmp/r 2>root.err) && cat \$o > root.out
grep -c nix-build /proc/self/mountinfo > root.mounts
o=\$(run nobody /tmp/u/a 2>nobody.err) && cat \$o > nobody.out
run nobody /tmp/u/b --option sandbox true > /dev/null 2>nobody-explicit.err; echo \$? > nobody-explicit.rc
o=\$(run nobody /tmp/u/c --option sandbox true --option sandbox-fallback true 2>/dev/null) && cat \$o > nobody-fallback.out
RUN
  # a private mount namespace holds the chroot's bind mounts (shared inside it, as systemd
  # makes them, so that a mount leaking out of the sandbox would show)
  unshare -m --propagation private sh -c '
    cr=$1; bin=$2
    [ -d "$cr/tmp" ] || exit 1
    mount --make-rshared /
    for d in bin lib lib64 usr etc dev proc sys; do
      [ -e /$d ] || continue; mkdir -p "$cr/$d"; mount --rbind /$d "$cr/$d"
    done
    mount --bind "$bin" "$cr/cnix"
    chroot "$cr" /bin/sh /tmp/run.sh' sh "$cr" "$(dirname "$CNIX")"
  same "chroot: sandboxed build as root" hidden "$(cat "$cr/tmp/root.out" 2>/dev/null)"
  [ -s "$cr/tmp/root.out" ] || cat "$cr/tmp/root.err"
  same "chroot: no sandbox mount left behind" 0 "$(cat "$cr/tmp/root.mounts" 2>/dev/null)"
  same "chroot, no namespaces: the default falls back" secret "$(cat "$cr/tmp/nobody.out" 2>/dev/null)"
  has "chroot, no namespaces: fallback warning" "warning: sandboxing is not available" "$cr/tmp/nobody.err"
  same "chroot, no namespaces: sandbox = true is an error" 1 "$(cat "$cr/tmp/nobody-explicit.rc" 2>/dev/null)"
  has "chroot, no namespaces: error message" "required for sandboxing" "$cr/tmp/nobody-explicit.err"
  same "chroot, no namespaces: sandbox-fallback = true allows it" secret "$(cat "$cr/tmp/nobody-fallback.out" 2>/dev/null)"
else
  echo "skip: chroot checks (need root, chroot, setpriv and unshare)"
fi

echo "sandbox: $pass passed, $fail failed"
[ $fail = 0 ]
