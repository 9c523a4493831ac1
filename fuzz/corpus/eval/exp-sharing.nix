let f = n: if n == 0 then [1] else let x = f (n - 1); in [x x]; in builtins.length (f 20)
