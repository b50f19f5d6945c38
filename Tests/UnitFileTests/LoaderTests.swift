import TestSupport
import Testing
@testable import UnitFile

/// Loading by name under `--root`: search path priority, aliases, masks, templates and drop-ins.
struct LoaderTests {
    let tree = TemporaryDirectory(prefix: "brig-unitfile")
    var loader: UnitLoader { UnitLoader(root: tree.path) }

    func values(_ unit: LoadedUnit, _ key: String) -> [String] {
        unit.assignments.filter { $0.key == key }.map(\.value)
    }

    @Test func etcOverridesLib() throws {
        tree.write("lib/systemd/system/a.service", "[Service]\nExecStart=/usr/bin/lib\n")
        tree.write("etc/systemd/system/a.service", "[Service]\nExecStart=/usr/bin/etc\n")
        let unit = try loader.load("a.service")
        #expect(unit.fragmentPath == tree.path + "/etc/systemd/system/a.service")
        #expect(values(unit, "ExecStart") == ["/usr/bin/etc"])
    }

    @Test func dropInsApplyInFileNameOrderAcrossDirectoriesAndEtcWinsByName() throws {
        tree.write("lib/systemd/system/a.service", "[Service]\nUser=base\n")
        tree.write("lib/systemd/system/a.service.d/10-x.conf", "[Service]\nUser=lib10\n")
        tree.write("lib/systemd/system/a.service.d/30-z.conf", "[Service]\nUser=lib30\n")
        tree.write("etc/systemd/system/a.service.d/10-x.conf", "[Service]\nUser=etc10\n")
        tree.write("run/systemd/system/a.service.d/20-y.conf", "[Service]\nUser=run20\n")
        tree.write("lib/systemd/system/a.service.d/ignored.txt", "[Service]\nUser=no\n")
        let unit = try loader.load("a.service")
        #expect(values(unit, "User") == ["base", "etc10", "run20", "lib30"])
    }

    @Test func emptyOrNullDropInMasksTheSameName() throws {
        tree.write("lib/systemd/system/a.service", "[Service]\n")
        tree.write("lib/systemd/system/a.service.d/10-x.conf", "[Service]\nUser=lib\n")
        tree.link("etc/systemd/system/a.service.d/10-x.conf", to: "/dev/null")
        #expect(try loader.load("a.service").dropInPaths.isEmpty)
    }

    @Test func prefixTemplateAndTypeWideDropIns() throws {
        tree.write("lib/systemd/system/a-b-c@.service", "[Service]\nUser=t\n")
        tree.write("lib/systemd/system/service.d/1.conf", "[Service]\nUser=type\n")
        tree.write("lib/systemd/system/a-.service.d/2.conf", "[Service]\nUser=a-\n")
        tree.write("lib/systemd/system/a-b-.service.d/3.conf", "[Service]\nUser=a-b-\n")
        tree.write("lib/systemd/system/a-b-c@.service.d/4.conf", "[Service]\nUser=template\n")
        tree.write("lib/systemd/system/a-b-c@x.service.d/5.conf", "[Service]\nUser=instance\n")
        tree.write("lib/systemd/system/a-b-c@y.service.d/6.conf", "[Service]\nUser=other\n")
        let unit = try loader.load("a-b-c@x.service")
        #expect(unit.fragmentPath == tree.path + "/lib/systemd/system/a-b-c@.service")
        #expect(values(unit, "User") == ["t", "type", "a-", "a-b-", "template", "instance"])
    }

    @Test func moreSpecificDropInWinsOverTypeWideOfTheSameName() throws {
        tree.write("lib/systemd/system/a.service", "[Service]\n")
        tree.write("etc/systemd/system/service.d/x.conf", "[Service]\nUser=type\n")
        tree.write("lib/systemd/system/a.service.d/x.conf", "[Service]\nUser=unit\n")
        #expect(values(try loader.load("a.service"), "User") == ["unit"])
    }

    @Test func aliasResolvesToTargetAndCollectsItsDropIns() throws {
        tree.write("lib/systemd/system/real.service", "[Service]\nUser=real\n")
        tree.link("lib/systemd/system/alias.service", to: "real.service")
        tree.write("etc/systemd/system/alias.service.d/a.conf", "[Service]\nUser=viaalias\n")
        let unit = try loader.load("alias.service")
        #expect(unit.name.name == "real.service")
        #expect(unit.requestedName == "alias.service")
        #expect(values(unit, "User") == ["real", "viaalias"])
        #expect(loader.unitNames(type: "service") == ["real.service"])
    }

    @Test func aliasedTemplateKeepsTheInstance() throws {
        tree.write("lib/systemd/system/getty@.service", "[Service]\nExecStart=/sbin/agetty %I\n")
        tree.link("lib/systemd/system/autovt@.service", to: "getty@.service")
        let unit = try loader.load("autovt@tty3.service")
        #expect(unit.name.name == "getty@tty3.service")
        #expect(try unit.specifiers.expand(values(unit, "ExecStart")[0]) == "/sbin/agetty tty3")
    }

    @Test func maskedByDevNullOrEmptyFile() throws {
        tree.write("lib/systemd/system/a.service", "[Service]\nUser=x\n")
        tree.link("etc/systemd/system/a.service", to: "/dev/null")
        tree.write("lib/systemd/system/b.service", "")
        #expect(try loader.load("a.service").isMasked)
        #expect(try loader.load("b.service").isMasked)
    }

    @Test func unitGivenAsPathSearchesItsDirectoryFirst() throws {
        tree.write("lib/systemd/system/a.service", "[Service]\nUser=system\n")
        let path = tree.write("work/a.service", "[Service]\nUser=here\n")
        tree.write("work/a.service.d/x.conf", "[Service]\nGroup=g\n")
        let unit = try loader.load(path)
        #expect(unit.fragmentPath == path)
        #expect(values(unit, "User") == ["here"])
        #expect(values(unit, "Group") == ["g"])
    }

    @Test func instancePathUsesTheTemplateBesideIt() throws {
        let template = tree.write("work/tpl@.service", "[Service]\nExecStart=/bin/echo %i\n")
        let unit = try loader.load(tree.path + "/work/tpl@web.service")
        #expect(unit.name.name == "tpl@web.service")
        #expect(unit.fragmentPath == template)
        #expect(try unit.specifiers.expand(values(unit, "ExecStart")[0]) == "/bin/echo web")
    }

    @Test func specifiersOfASystemUnit() throws {
        let unit = try UnitLoader(root: tree.path).load(tree.write("x/foo-bar@a-b\\x2dc.service", "[Service]\n"))
        let s = unit.specifiers
        #expect(try s.expand("%n|%N|%p|%P|%i|%I|%j|%J|%f") ==
            "foo-bar@a-b\\x2dc.service|foo-bar@a-b\\x2dc|foo-bar|foo/bar|a-b\\x2dc|a/b-c|bar|bar|/a/b-c")
        #expect(try s.expand("%t %S %C %L %E %T %V %h %u %U %g %G %s %%") ==
            "/run /var/lib /var/cache /var/log /etc /tmp /var/tmp /root root 0 root 0 /bin/sh %")
        #expect(try s.expand("%a") == "x86-64")
        #expect(try s.expand("%y") == tree.path + "/x/foo-bar@a-b\\x2dc.service")
        #expect(throws: UnitFileError.unknownSpecifier(nil, "z")) { try s.expand("%z") }
    }

    @Test func notFoundNamesTheUnit() {
        #expect(throws: UnitFileError.notFound(name: "none.service", searched: loader.searchPath.directories)) {
            try loader.load("none.service")
        }
    }

    @Test func badInputGetsClearErrors() throws {
        tree.write("lib/systemd/system/dir.service/x", "")
        #expect(throws: UnitFileError.isDirectory(path: tree.path + "/lib/systemd/system/dir.service")) {
            try loader.load("dir.service")
        }
        tree.link("lib/systemd/system/loop.service", to: "loop2.service")
        tree.link("lib/systemd/system/loop2.service", to: "loop.service")
        #expect(throws: UnitFileError.self) { try loader.load("loop.service") }
        #expect(throws: UnitFileError.invalidName("noext", reason: "no unit type suffix such as .service")) {
            try loader.load("noext")
        }
        #expect(throws: UnitFileError.unreadable(path: tree.path + "/missing.service", errno: 2)) {
            try loader.load(tree.path + "/missing.service")
        }
    }
}
