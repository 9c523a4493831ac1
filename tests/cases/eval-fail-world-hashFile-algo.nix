builtins.hashFile "sha3" ./world-data/a.txt
