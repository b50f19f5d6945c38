/// A small /usr-only tree a service can run in, made by a shell script: the programs named,
/// copied with the libraries they link as the machine running the script has them, `sh` as
/// dash, and the loader where /lib64 finds it.
public enum MiniRoot {
    /// Shell commands that make such a tree at `$b`.
    public static func script(programs: [String]) -> String {
        """
        mkdir -p $b/usr/bin $b/usr/lib/x86_64-linux-gnu $b/usr/lib64
        for p in \(programs.joined(separator: " ")); do
          cp -L /usr/bin/$p $b/usr/bin/$p
          for f in $(ldd /usr/bin/$p | grep -o '/[^ ]*'); do cp -L $f $b/usr/lib/x86_64-linux-gnu/$(basename $f); done
        done
        ln -s dash $b/usr/bin/sh
        ln -s ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 $b/usr/lib64/ld-linux-x86-64.so.2
        """
    }
}
