let big = 4294967297; in big * big
