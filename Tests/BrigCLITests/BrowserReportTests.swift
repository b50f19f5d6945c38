import Foundation
import Testing
import TestSupport

/// The HTML report in a real browser (headless Chromium): a probe script of the test's own, added
/// to a copy of the report, clicks and opens as a reader would and writes what it saw into the page,
/// which Chromium then dumps.
/// One browser at a time: the timing test must not share the machine with the others' browsers.
@Suite(.enabled(if: Tools.chromium != nil, "needs Chromium (Debian: chromium)"), .serialized, .timeLimit(.minutes(5)))
struct BrowserReportTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    /// What the probe saw: rows, their order after each sort, an opened unit, the filter, the time
    /// from navigation to a laid-out page.
    struct Observation: Decodable {
        let rows, findingsShown, shownAfterFilter: Int
        let ascendingAfterOneClick, descendingAfterTwoClicks, namesAscending: Bool
        let firstFix: String
        let renderMilliseconds: Double
    }

    static let probe = """
        <script>
        (function () {
          var result = {};
          document.body.getBoundingClientRect();
          document.querySelector("#unit-table").offsetHeight;
          result.renderMilliseconds = performance.now();
          function rows() { return Array.prototype.slice.call(document.querySelectorAll("#unit-table tbody tr")); }
          function exposures() { return rows().map(function (r) { return Number(r.dataset.exposure); }); }
          function ordered(list, up) { return list.every(function (v, i) { return i === 0 || (up ? list[i - 1] <= v : list[i - 1] >= v); }); }
          result.rows = rows().length;
          var exposure = document.querySelector('th[data-key="exposure"] button');
          exposure.click();
          result.ascendingAfterOneClick = ordered(exposures(), true);
          exposure.click();
          result.descendingAfterTwoClicks = ordered(exposures(), false);
          document.querySelector('th[data-key="name"] button').click();
          var names = rows().map(function (r) { return r.dataset.name; });
          result.namesAscending = names.every(function (v, i) { return i === 0 || names[i - 1] <= v; });
          exposure.click();
          var first = rows()[0].querySelector("details");
          first.querySelector("summary").click();
          var findings = first.querySelector("pre.findings");
          var lines = findings ? findings.textContent.split("\\n").filter(function (l) { return l !== ""; }) : [];
          result.findingsShown = findings && findings.getBoundingClientRect().height > 0 ? lines.length : 0;
          result.firstFix = lines.length ? lines[0].split("\\t").pop() : "";
          var filter = document.getElementById("filter");
          filter.value = "web";
          filter.dispatchEvent(new Event("input"));
          result.shownAfterFilter = rows().filter(function (r) { return !r.hidden; }).length;
          var out = document.createElement("pre");
          out.id = "probe-result";
          out.textContent = JSON.stringify(result);
          document.body.appendChild(out);
        })();
        </script>
        """

    func chromium(_ arguments: [String]) throws -> Subprocess.Output {
        try Subprocess.run([Tools.chromium!, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--user-data-dir=\(scratch.path)/profile", "--window-size=1280,1600"] + arguments,
                           environment: ["HOME": scratch.path, "PATH": "/usr/bin:/bin"], timeout: 120)
    }

    /// The report of `root`, probed in the browser.
    func observe(root: String) throws -> Observation {
        try observe(report: try BuiltBrig.run(["analyze", "--root", root, "--format", "html"]).stdout)
    }

    /// The report `report`, probed in the browser.
    func observe(report: String) throws -> Observation {
        let page = report.replacingOccurrences(of: "</body>", with: Self.probe + "</body>")
        let path = scratch.path + "/probed.html"
        try page.write(toFile: path, atomically: true, encoding: .utf8)
        let dump = try chromium(["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + path])
        // Console messages come on stderr: the page's own script must raise nothing.
        #expect(!dump.stderr.contains("Uncaught"), "\(dump.stderr.suffix(2000))")
        let json = try #require(dump.stdout.components(separatedBy: "<pre id=\"probe-result\">").dropFirst().first?
            .components(separatedBy: "</pre>").first, "no probe result: \(dump.stderr.suffix(2000))")
        let text = json.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Observation.self, from: Data(text.utf8))
    }

    @Test func theHostsReportSortsOpensAndFilters() throws {
        let units = try BuiltBrig.run(["analyze", "--format", "json"])
        let count = try #require(try JSONSerialization.jsonObject(with: Data(units.stdout.utf8)) as? [Any]).count
        let seen = try observe(root: "/")
        #expect(seen.rows == count)
        #expect(seen.ascendingAfterOneClick)
        #expect(seen.descendingAfterTwoClicks)
        #expect(seen.namesAscending)
        #expect(seen.findingsShown > 0)
        #expect(seen.firstFix.contains("="))
    }

    @Test func aScreenshotIsKeptAsAnArtifact() throws {
        let report = try BuiltBrig.run(["analyze", "--format", "html"])
        let page = scratch.path + "/report.html"
        try report.stdout.write(toFile: page, atomically: true, encoding: .utf8)
        let artifacts = Repository.root + "/.build/test-artifacts"
        try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
        let shot = artifacts + "/brig-analyze-report.png"
        try? FileManager.default.removeItem(atPath: shot)
        let result = try chromium(["--screenshot=\(shot)", "file://" + page])
        let png = try #require(FileManager.default.contents(atPath: shot), "no screenshot: \(result.stderr.suffix(2000))")
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 10_000)
    }

    /// Loads one page in Chromium and prints, as JSON, the CPU time the page's main thread spent
    /// (DevTools' Performance.getMetrics: ThreadTime; parsing, style, layout and script) and the
    /// wall time from navigation to the load event.
    static let cpuMeter = #"""
        import base64, json, os, socket, struct, subprocess, sys, time, urllib.request
        chromium, url, profile = sys.argv[1], sys.argv[2], sys.argv[3]
        browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                    "--user-data-dir=" + profile, "--remote-debugging-port=0", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            active = os.path.join(profile, "DevToolsActivePort")
            for _ in range(600):
                if os.path.exists(active) and open(active).read().count("\n") >= 1:
                    break
                time.sleep(0.1)
            port = int(open(active).read().split("\n")[0])
            pages = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json"))
            path = "/" + next(p for p in pages if p["type"] == "page")["webSocketDebuggerUrl"].split("/", 3)[3]
            sock = socket.create_connection(("127.0.0.1", port))
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                         f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode())
            pending = b""
            while b"\r\n\r\n" not in pending:
                pending += sock.recv(4096)
            pending = pending.split(b"\r\n\r\n", 1)[1]
            def take(n):
                global pending
                while len(pending) < n:
                    data = sock.recv(65536)
                    if not data:
                        raise EOFError
                    pending += data
                out, pending = pending[:n], pending[n:]
                return out
            def receive():
                _, second = take(2)
                n = second & 0x7F
                if n == 126:
                    n = struct.unpack(">H", take(2))[0]
                elif n == 127:
                    n = struct.unpack(">Q", take(8))[0]
                return json.loads(take(n))
            events, counter = [], [0]
            def call(method, **params):
                counter[0] += 1
                data = json.dumps({"id": counter[0], "method": method, "params": params}).encode()
                mask = os.urandom(4)
                head = bytes([0x81, 0x80 | len(data)]) if len(data) < 126 else bytes([0x81, 0xFE]) + struct.pack(">H", len(data))
                sock.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
                while True:
                    message = receive()
                    if message.get("id") == counter[0]:
                        return message.get("result", {})
                    events.append(message)
            def metrics():
                return {m["name"]: m["value"] for m in call("Performance.getMetrics")["metrics"]}
            call("Performance.enable")
            call("Page.enable")
            before = metrics()
            call("Page.navigate", url=url)
            while not any(e.get("method") == "Page.loadEventFired" for e in events):
                events.append(receive())
            after = metrics()
            print(json.dumps({"cpu": after["ThreadTime"] - before["ThreadTime"], "wall": after["Timestamp"] - before["Timestamp"]}))
        finally:
            browser.kill()
            browser.wait()
        """#

    struct Cost: Decodable { let cpu: Double; let wall: Double }

    @Test func twoThousandUnitsRenderInUnderASecond() throws {
        let dir = scratch.path + "/many/etc/systemd/system"
        let generated = try Subprocess.run([Tools.python3 ?? "/usr/bin/python3", Repository.root + "/bench/analyze/generate.py", dir, "2000"])
        try #require(generated.status == 0)
        let report = try BuiltBrig.run(["analyze", "--root", scratch.path + "/many", "--format", "html"])
        let seen = try observe(report: report.stdout)
        #expect(seen.rows == 2000)
        #expect(seen.ascendingAfterOneClick)
        #expect(seen.shownAfterFilter == 0)

        // The time the browser's main thread works on the page (CPU time): on a shared machine the
        // wall time mostly measures the queue for a CPU. The best of three loads.
        let page = scratch.path + "/many.html"
        try report.stdout.write(toFile: page, atomically: true, encoding: .utf8)
        try Self.cpuMeter.write(toFile: scratch.path + "/cpu-meter.py", atomically: true, encoding: .utf8)
        var best = Double.infinity
        for load in 0..<3 {
            let measured = try Subprocess.run([Tools.python3 ?? "/usr/bin/python3", scratch.path + "/cpu-meter.py", Tools.chromium!,
                                               "file://" + page, scratch.path + "/profile-\(load)"],
                                              environment: ["HOME": scratch.path, "PATH": "/usr/bin:/bin"], timeout: 120)
            try #require(measured.status == 0, "\(measured.stderr)")
            best = min(best, try JSONDecoder().decode(Cost.self, from: Data(measured.stdout.utf8)).cpu)
        }
        #expect(best < 1.0)
    }

    @Test func withoutJavaScriptTheTableAndFindingsAreThere() throws {
        scratch.write("small/etc/systemd/system/web.service", "[Service]\nExecStart=/bin/true\n")
        scratch.write("small/etc/systemd/system/db.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        let report = try BuiltBrig.run(["analyze", "--root", scratch.path + "/small", "--format", "html"])
        // The page without its script (Chromium's --dump-dom itself needs JavaScript enabled).
        let script = try #require(report.stdout.range(of: "<script>"))
        let end = try #require(report.stdout.range(of: "</script>"))
        let plain = String(report.stdout[..<script.lowerBound] + report.stdout[end.upperBound...])
        let path = scratch.path + "/plain.html"
        try plain.write(toFile: path, atomically: true, encoding: .utf8)
        let dump = try chromium(["--dump-dom", "file://" + path])
        #expect(!dump.stdout.contains("<button"))
        #expect(dump.stdout.components(separatedBy: "<tr data-name=").count - 1 == 2)
        #expect(dump.stdout.contains("<summary>web.service</summary><pre class=\"findings\">"))
        #expect(dump.stdout.contains("\nPrivateNetwork=yes\n"))
        // The filter box needs the script, so without it the box stays hidden.
        #expect(dump.stdout.contains("<div class=\"tools\" hidden=\"\">"))
    }

    @Test func theFilterKeepsTheUnitsThatMatch() throws {
        scratch.write("small/etc/systemd/system/web.service", "[Service]\nExecStart=/bin/true\n")
        scratch.write("small/etc/systemd/system/db.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        let seen = try observe(root: scratch.path + "/small")
        #expect(seen.rows == 2)
        #expect(seen.shownAfterFilter == 1)
    }
}
