builtins.fetchTree { type = "file"; url = "file:///x"; x = [ ]; }
