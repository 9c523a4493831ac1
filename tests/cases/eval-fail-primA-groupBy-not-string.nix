builtins.groupBy (x: x) [
  "a"
  null
]
