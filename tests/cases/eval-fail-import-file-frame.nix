# An error while an imported file is evaluated has CppNix's "while evaluating the file" frame.
import ./import-file-frame-throws.nix
