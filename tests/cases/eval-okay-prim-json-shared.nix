# fromJSON shares immutable values (null, booleans, recurring short strings): results must
# still be exactly the parsed data, with cache collisions among many distinct short strings.
let
  short = builtins.genList (i: "s${toString (i - i / 300 * 300)}") 1000;
  recs = builtins.genList (i: { k = builtins.elemAt short i; b = i / 2 * 2 == i; n = null; l = [ "a" "b" "a" ]; }) 1000;
  back = builtins.fromJSON (builtins.toJSON recs);
  longs = builtins.genList (i: "a-rather-long-string-number-${toString i}") 50;
in {
  same = back == recs;
  shortRound = builtins.fromJSON (builtins.toJSON short) == short;
  longRound = builtins.fromJSON (builtins.toJSON longs) == longs;
  pick = [ (builtins.elemAt back 299).k (builtins.elemAt back 300).k (builtins.elemAt back 999).b ];
  mixed = builtins.fromJSON ''[true, false, null, "x", "x", "", "", "\u0041", "A", {"a": "A", "b": true}, [null, null]]'';
  counts = builtins.length (builtins.filter (r: r.b) back);
}
