import Foundation
import TestSupport
import Testing

/// StandardInputText= and StandardInputData= under brig run as under systemd: the service reads
/// exactly the bytes systemd hands it (specifiers expanded, C escapes decoded, base64 decoded,
/// lines joined in order, an empty assignment starting over), from a sealed memfd.
@Suite(.serialized, .enabled(if: Gate.brig))
struct StandardInputDataDifferentialTests {
    static let inputs: [[String]] = [
        ["StandardInputText=line one %n", "StandardInputText=  indented\\ttab \\x41 \\\\ end", "StandardInputData=aGVs bG8K",
         "StandardInputText=last"],
        ["StandardInputText=dropped", "StandardInputText=", "StandardInputData=YWZ0ZXIgcmVzZXQ="],
        ["StandardInput=data"],
    ]

    @Test(arguments: inputs)
    func theServiceReadsWhatSystemdHandsIt(_ lines: [String]) throws {
        let name = "brig-stdin-\(UUID().uuidString.prefix(8).lowercased())"
        let dir = "/var/lib/\(name)"   // both runners see /var/lib; the oracle has a /tmp of its own
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let unit = "\(dir)/\(name).service"
        func run(_ runner: String, _ start: () throws -> Void) throws -> Data {
            let text = (["[Service]", "Type=oneshot", "ExecStart=/usr/bin/od -c", "StandardOutput=truncate:\(dir)/\(runner)"] + lines)
                .joined(separator: "\n") + "\n"
            try text.write(toFile: unit, atomically: true, encoding: .utf8)
            try start()
            return FileManager.default.contents(atPath: "\(dir)/\(runner)") ?? Data()
        }
        let brig = try run("brig") { _ = try Command([BuiltBrig.path, "run", unit]).wait() }
        let systemd = try run("systemd") {
            _ = try Oracle.exec(["sh", "-c", "cp \(unit) /etc/systemd/system/ && systemctl daemon-reload && systemctl start \(name).service; "
                                 + "rm /etc/systemd/system/\(name).service; systemctl daemon-reload"])
        }
        #expect(!systemd.isEmpty)
        #expect(String(decoding: brig, as: UTF8.self) == String(decoding: systemd, as: UTF8.self))
    }
}
