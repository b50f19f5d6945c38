import Foundation
import Testing
import TestSupport

extension HardenTests {
    /// A Python HTTP app on `port` that maps a page with `protection` on each request (as a JIT
    /// would, when it includes PROT_EXEC).
    static func mappingUnit(_ name: String, port: Int, protection: String) throws -> UnitFile {
        try UnitFile(name, """
            [Service]
            ExecStart=/usr/bin/python3 -c "import http.server, mmap\\nclass H(http.server.BaseHTTPRequestHandler):\\n def do_GET(self):\\n  mmap.mmap(-1, 4096, prot=\(protection)).close()\\n  self.send_response(200)\\n  self.end_headers()\\nhttp.server.HTTPServer(('127.0.0.1', \(port)), H).serve_forever()"

            """)
    }

    @Test func aServiceThatMapsWritableExecutableMemoryKeepsThatAndSaysWhy() async throws {
        let unit = try Self.mappingUnit("brig-harden-jit.service", port: 9502, protection: "mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC")
        let output = try await Self.harden([unit.path, "--workload", "curl -fsS http://127.0.0.1:9502/"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(!output.stdout.contains("\nMemoryDenyWriteExecute="))
        #expect(output.stdout.contains("# Not set: MemoryDenyWriteExecute=: the service mapped memory writable and executable (mmap() with PROT_WRITE|PROT_EXEC)\n"))
        #expect(output.stdout.contains("\nLockPersonality=yes\n") && output.stdout.contains("\nDynamicUser=yes\n"))
    }

    @Test func theSameServiceMappingOnlyWritableMemoryGetsMemoryDenyWriteExecute() async throws {
        let unit = try Self.mappingUnit("brig-harden-nojit.service", port: 9502, protection: "mmap.PROT_READ | mmap.PROT_WRITE")
        let output = try await Self.harden([unit.path, "--workload", "curl -fsS http://127.0.0.1:9502/"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("\n# mapped no memory writable and executable\nMemoryDenyWriteExecute=yes\n"))
        #expect(!output.stdout.contains("Not set: MemoryDenyWriteExecute="))
    }
}
