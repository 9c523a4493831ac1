# toJSON: key order, escapes, peeling of outPath/__toString, nesting; fromJSON: numbers,
# escapes, repeated keys, whitespace.
with builtins;
{
  to = [
    (toJSON { b = 1; a = [ true false null ]; "c d" = "x\"y\\z\n\t\r\u0001"; })
    (toJSON [ ])
    (toJSON { })
    (toJSON "é→😀")
    (toJSON { outPath = "/nix/store/x"; other = 1; })
    (toJSON [ (-9223372036854775807 - 1) 0 ])
    (toJSON { inner = { __toString = s: "str"; }; })
    (toJSON (fromJSON "\"\\u0001\\u001f\""))
  ];
  # nlohmann's shortest round-trip format (CppNix 2.8 printed %g instead).
  floats = toJSON [ 0.1 100.0 (1.0 / 3) 1.0e21 1.5e-7 (-0.5) 123456.789 ];
  from = [
    (fromJSON "{\"a\": 1, \"b\": [1.5, -2, 1e3, 0.25], \"c\": null}")
    (fromJSON "{\"k\": 1, \"k\": 2}")
    (fromJSON "\"\\u00e9\\ud83d\\ude00\\n\"")
    (fromJSON " \n\t[ ] ")
    (fromJSON "9223372036854775807")
    (fromJSON "-9223372036854775808")
    (fromJSON "true")
    (fromJSON "1E2")
  ];
}
