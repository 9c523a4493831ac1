# `or` is a valid attribute name when printed (CppNix quotes only the reserved keywords).
{ or = 1; "if" = 2; "or-else" = 3; x.or = 4; }
