let g = n: if n == 0 then 0 else 1 + g (n - 1); in g 100
