# A missing file: the 'import' builtin's frame is kept without --show-trace.
import ./short-trace-does-not-exist.nix
