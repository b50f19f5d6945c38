import Foundation
import Testing
import TestSupport

/// `scripts/package-deb`: the Debian package a sysadmin installs, unpacked into a scratch root and
/// run from there. One test: making the package is the slow part, and every check reads the same one.
@Suite(.enabled(if: Tools.dpkgDeb != nil && Tools.python3 != nil && Tools.man != nil,
                "needs dpkg-deb, python3 and man (scripts/package-deb writes the man pages)"),
       .timeLimit(.minutes(3)))
struct PackageTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    @Test func thePackageInstallsIntoAScratchRootAndRunsFromThere() throws {
        // The binary this test run built: a release build would take minutes.
        let built = try Subprocess.run([Repository.root + "/scripts/package-deb", scratch.path + "/out"],
                                       environment: ProcessInfo.processInfo.environment.merging(["BRIG_BINARY": BuiltBrig.path]) { $1 })
        try #require(built.status == 0, "\(built.stderr)")
        let deb = built.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        // Named after brig's version, with its dependencies.
        let version = try BuiltBrig.run(["--version"]).stdout.split(separator: "\n")[0].split(separator: " ")[1]
        #expect(deb.hasSuffix("/brig_\(version)_amd64.deb"))
        let fields = try Subprocess.run(["/usr/bin/dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Depends", "Recommends"])
        #expect(fields.stdout == """
            Package: brig
            Version: \(version)
            Architecture: amd64
            Depends: libseccomp2
            Recommends: systemd

            """)

        // The binary, man pages, completions, examples and copyright, owned by root.
        let listing = try Subprocess.run(["/usr/bin/dpkg-deb", "-c", deb]).stdout
        for path in ["./usr/bin/brig", "./usr/share/man/man1/brig.1.gz", "./usr/share/man/man1/brig-analyze.1.gz",
                     "./usr/share/man/man1/brig-run.1.gz", "./usr/share/man/man1/brig-verify.1.gz",
                     "./usr/share/man/man1/brig-listen.1.gz", "./usr/share/man/man1/brig-harden.1.gz",
                     "./usr/share/bash-completion/completions/brig",
                     "./usr/share/zsh/vendor-completions/_brig", "./usr/share/fish/vendor_completions.d/brig.fish",
                     "./usr/share/doc/brig/copyright", "./usr/share/doc/brig/examples/README.md"] {
            #expect(listing.contains(" \(path)\n"), "\(path) is not in the package")
        }
        #expect(listing.contains("-rwxr-xr-x root/root"))

        // Installed into a scratch root, it runs from there.
        let root = scratch.path + "/root"
        let unpacked = try Subprocess.run(["/usr/bin/dpkg-deb", "-x", deb, root])
        try #require(unpacked.status == 0, "\(unpacked.stderr)")
        let printed = try Subprocess.run([root + "/usr/bin/brig", "--version"])
        #expect(printed.status == 0)
        #expect(printed.stdout.hasPrefix("brig \(version)\nrule sets:\n"))
        #expect(printed.stdout.contains("\n  systemd 252 ("))
        #expect(printed.stdout.contains("\n  systemd 262 ("))
        scratch.write("root/etc/systemd/system/web.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        let analyzed = try Subprocess.run([root + "/usr/bin/brig", "analyze", "--root", root], environment: ["LC_ALL": "C.UTF-8"])
        #expect(analyzed.status == 0, "\(analyzed.stderr)")
        #expect(analyzed.stdout.contains("web.service      9.0 UNSAFE"))
        let page = try Subprocess.run(["/usr/bin/man", "--warnings", "-l", root + "/usr/share/man/man1/brig-analyze.1.gz"],
                                      environment: ["LC_ALL": "C.UTF-8", "PATH": "/usr/bin:/bin"])
        #expect(page.stderr == "")
        #expect(page.stdout.contains("brig-analyze - Score how exposed service units are"))
    }
}
