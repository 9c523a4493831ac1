builtins.outputOf "/nix/store/vq69sqp8jpimmv62milrq467xk9wkkg0-foo.drv" "out"
