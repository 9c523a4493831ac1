builtins.split "(" "x"
