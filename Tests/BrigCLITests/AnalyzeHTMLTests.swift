import Foundation
import Testing
import TestSupport

/// `brig analyze --format html`: one page a person reads, self-contained.
@Suite(.timeLimit(.minutes(1)))
struct AnalyzeHTMLTests {
    let scratch = TemporaryDirectory(prefix: "brig-cli")

    init() throws {
        scratch.write("etc/systemd/system/web.service", "[Service]\nExecStart=/bin/true\nPrivateNetwork=yes\n")
        scratch.write("etc/systemd/system/tight.service", """
            [Service]
            ExecStart=/bin/true
            DynamicUser=yes
            PrivateNetwork=yes
            PrivateDevices=yes
            ProtectSystem=strict
            ProtectHome=yes
            CapabilityBoundingSet=
            SystemCallFilter=@system-service
            RestrictAddressFamilies=AF_UNIX
            """)
        try FileManager.default.createSymbolicLink(
            atPath: scratch.path + "/etc/systemd/system/old.service", withDestinationPath: "/dev/null")
    }

    func page() throws -> String {
        let result = try BuiltBrig.run(["analyze", "--root", scratch.path, "--format", "html"])
        #expect(result.status == 0)
        #expect(result.stderr == "")
        return result.stdout
    }

    @Test func everyScoredUnitIsARowMostExposedFirst() throws {
        let html = try page()
        let rows = html.components(separatedBy: "<tr data-name=").dropFirst().map { $0.prefix(while: { $0 != ">" }) }
        #expect(rows.count == 2)
        #expect(rows.first?.hasPrefix("\"web.service\" data-exposure=\"90\"") == true)
        #expect(rows.last?.hasPrefix("\"tight.service\"") == true)
        #expect(html.contains("<code>old.service</code>: masked"))
    }

    @Test func aUnitOpensToItsFailingChecksWithTheLineThatFixesEach() throws {
        let html = try page()
        #expect(html.contains("<details><summary>web.service</summary><pre class=\"findings\">"))
        #expect(html.contains("\nPrivateDevices=yes\n"))
        // What a failing check means is said once, below the table.
        #expect(html.contains("<tr><th scope=\"row\"><code>PrivateDevices=</code></th><td>"))
    }

    @Test func itSaysWhereWhenAndWithWhichRules() throws {
        let html = try page()
        let version = try BuiltBrig.run(["--version"]).stdout.split(separator: "\n")[0].split(separator: " ")[1]
        #expect(html.contains("<dd id=\"brig-version\">\(version)</dd>"))
        #expect(html.contains("<dd id=\"rules\">systemd 262 ("))
        #expect(html.contains("<dd id=\"root\">\(scratch.path)</dd>"))
        #expect(html.contains("<dd id=\"host\">\(ProcessInfo.processInfo.hostName)</dd>") || html.contains("<dd id=\"host\">"))
        let date = ISO8601DateFormatter().string(from: Date()).prefix(10)
        #expect(html.contains("<dd id=\"date\">\(date)"))
    }

    @Test func theSummaryCountsLevelsAndTheMostCommonMissingDirectives() throws {
        let html = try page()
        #expect(html.contains("<td data-level=\"UNSAFE\">1</td>"))
        #expect(html.contains("<td data-level=\"DANGEROUS\">0</td>"))
        #expect(html.contains("Most common missing directives"))
        #expect(html.contains("<li><code>PrivateUsers=</code>: 2 units</li>"))
    }

    @Test func theFormatIsReadInEverySpelling() throws {
        // The plain form is read by AnalyzeArguments, --format=html by ArgumentParser.
        for spelling in [["--format", "html"], ["--format=html"]] {
            let result = try BuiltBrig.run(["analyze", "--root", scratch.path] + spelling)
            #expect(result.status == 0)
            #expect(result.stdout.contains("<tr data-name=\"web.service\""), "\(spelling)")
        }
    }

    @Test func headingsAndTablesSayWhatTheyAre() throws {
        let html = try page()
        #expect(html.contains("<h1>Exposure of service units on \(scratch.path) (on "))
        for heading in ["<h2 id=\"summary\">Summary</h2>", "<h2 id=\"units\">Units</h2>", "<h2 id=\"checks\">Failing checks</h2>"] {
            #expect(html.contains(heading))
        }
        // Every table has a caption and header cells with their scope; sortable columns say how they are sorted.
        #expect(html.components(separatedBy: "<table").count == html.components(separatedBy: "<caption>").count)
        #expect(html.contains("<th scope=\"col\" aria-sort=\"descending\" data-key=\"exposure\">Exposure</th>"))
        #expect(html.contains("<th scope=\"row\"><details><summary>web.service</summary>"))
        #expect(html.contains("<label for=\"filter\">Filter units</label>"))
    }

    @Test func nothingIsFetchedFromElsewhere() throws {
        let html = try page()
        for external in ["http://", "https://", "src=", "<link", "@import", "url("] {
            #expect(!html.contains(external), "the page refers to \(external)")
        }
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
    }
}
