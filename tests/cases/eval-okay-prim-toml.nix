# fromTOML without timestamps: nesting, arrays of tables, string kinds, numbers.
builtins.fromTOML ''
  title = "t"
  [owner]
  name = "x"
  dotted.key = 'lit'
  ml = """
  a \
     b"""
  [[bin]]
  name = "one"
  [[bin]]
  name = "two"
  path = [ 1, 2.5, "s", [ true ], { k = -1 } ]
  [servers.alpha]
  ip = "10.0.0.1"
  hex = 0xff
''
