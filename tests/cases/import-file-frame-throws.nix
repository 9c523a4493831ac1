# imported by eval-fail-import-file-frame.nix
throw "inside the file"
