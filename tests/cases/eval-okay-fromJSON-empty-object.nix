builtins.fromJSON "{}" == {} && builtins.fromJSON "[{},{\"a\":{}}]" == [ {} { a = {}; } ]
