import Directives

/// `brig analyze --format html`: one self-contained page for people. The table is plain HTML
/// (readable and printable without JavaScript); the page's small script only sorts, filters and
/// opens every unit before printing. Nothing is fetched: no scripts, fonts or images from elsewhere.
public struct HTMLRenderer: Sendable {
    /// What the page says it describes: the host it ran on, the root it read, when, with which brig
    /// and which rules.
    public struct Context: Sendable {
        public var host: String
        public var root: String
        public var date: String
        public var brigVersion: String
        public var rules: SystemdRelease

        public init(host: String, root: String, date: String, brigVersion: String, rules: SystemdRelease) {
            self.host = host; self.root = root; self.date = date; self.brigVersion = brigVersion; self.rules = rules
        }
    }

    public let context: Context

    public init(context: Context) { self.context = context }

    /// The page for `reports` (most exposed first, as the overview), with the units that were not
    /// scored (masked, or unreadable) named below the table.
    public func page(_ reports: [Report], notScored: [(unit: String, reason: String)] = []) -> [UInt8] {
        let sorted = reports.sorted {
            $0.assessment.exposure != $1.assessment.exposure
                ? $0.assessment.exposure > $1.assessment.exposure
                : $0.assessment.unitName < $1.assessment.unitName
        }
        var out: [UInt8] = []
        out.reserveCapacity(4096 + reports.count * 6_000)
        let place = context.root == "/" ? context.host : "\(context.root) (on \(context.host))"
        out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n".utf8
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n".utf8
        out += "<title>Exposure of service units: ".utf8; escape(place, into: &out); out += "</title>\n".utf8
        out += Self.style.utf8
        out += "</head>\n<body>\n<header>\n<h1>Exposure of service units on ".utf8; escape(place, into: &out)
        out += "</h1>\n<dl class=\"about\"><dt>Host</dt><dd id=\"host\">".utf8; escape(context.host, into: &out)
        out += "</dd><dt>Root</dt><dd id=\"root\">".utf8; escape(context.root, into: &out)
        out += "</dd><dt>Date</dt><dd id=\"date\">".utf8; escape(context.date, into: &out)
        out += "</dd><dt>brig</dt><dd id=\"brig-version\">".utf8; escape(context.brigVersion, into: &out)
        out += "</dd><dt>Rules</dt><dd id=\"rules\">".utf8; escape(context.rules.name, into: &out)
        out += "</dd></dl>\n</header>\n<main>\n".utf8
        summary(sorted, into: &out)
        table(sorted, into: &out)
        checks(sorted, into: &out)
        if !notScored.isEmpty {
            out += "<section aria-labelledby=\"not-scored\">\n<h2 id=\"not-scored\">Not scored</h2>\n<ul>\n".utf8
            for (unit, reason) in notScored {
                out += "<li><code>".utf8; escape(unit, into: &out); out += "</code>: ".utf8
                escape(reason, into: &out); out += "</li>\n".utf8
            }
            out += "</ul>\n</section>\n".utf8
        }
        out += "</main>\n".utf8
        out += Self.script.utf8
        out += "</body>\n</html>\n".utf8
        return out
    }

    /// Units per level, and the checks that fail in the most units.
    private func summary(_ reports: [Report], into out: inout [UInt8]) {
        var perLevel: [Level: Int] = [:]
        // Per check: the units it fails in, and the exposure it adds up to over them (which
        // orders checks that fail in as many units: the costlier first).
        var failing: [String: (units: Int, tenths: UInt64)] = [:]
        for r in reports {
            perLevel[r.assessment.level, default: 0] += 1
            for row in r.assessment.rows where row.failed {
                failing[row.check.id, default: (0, 0)].units += 1
                failing[row.check.id, default: (0, 0)].tenths += row.exposureTenths ?? 0
            }
        }
        out += "<section aria-labelledby=\"summary\">\n<h2 id=\"summary\">Summary</h2>\n".utf8
        out += "<table class=\"levels\"><caption>Units per exposure level (".utf8
        appendDecimal(UInt64(reports.count), to: &out)
        out += " units)</caption>\n<thead><tr><th scope=\"col\">Level</th><th scope=\"col\">Units</th></tr></thead>\n<tbody>\n".utf8
        for level in Level.allCases.reversed() {
            out += "<tr><th scope=\"row\"><span class=\"swatch ".utf8; out += Self.cssClass(level).utf8
            out += "\" aria-hidden=\"true\"></span>".utf8; out += level.rawValue.utf8
            out += "</th><td data-level=\"".utf8; out += level.rawValue.utf8; out += "\">".utf8
            appendDecimal(UInt64(perLevel[level] ?? 0), to: &out)
            out += "</td></tr>\n".utf8
        }
        out += "</tbody></table>\n".utf8
        let common = failing.sorted {
            $0.value.units != $1.value.units ? $0.value.units > $1.value.units
                : $0.value.tenths != $1.value.tenths ? $0.value.tenths > $1.value.tenths : $0.key < $1.key
        }.prefix(10)
        out += "<h3 id=\"common\">Most common missing directives</h3>\n<ol class=\"common\" aria-labelledby=\"common\">\n".utf8
        for (id, entry) in common {
            let count = entry.units
            out += "<li><code>".utf8; escape(id, into: &out); out += "</code>: ".utf8
            appendDecimal(UInt64(count), to: &out)
            out += count == 1 ? " unit</li>\n".utf8 : " units</li>\n".utf8
        }
        out += "</ol>\n</section>\n".utf8
    }

    /// One row per unit: its name (expandable to its failing checks and the line that fixes
    /// each), its exposure as a number and a bar, and its level.
    private func table(_ reports: [Report], into out: inout [UInt8]) {
        out += "<section aria-labelledby=\"units\">\n<h2 id=\"units\">Units</h2>\n".utf8
        out += "<div class=\"tools\" hidden><label for=\"filter\">Filter units</label> <input id=\"filter\" type=\"search\" autocomplete=\"off\"> <output id=\"shown\" for=\"filter\" aria-live=\"polite\"></output></div>\n".utf8
        out += "<table id=\"unit-table\"><caption>Service units, most exposed first. Open a unit to see its failing checks, each with the line that fixes it.</caption>\n".utf8
        out += "<colgroup><col class=\"unit\"><col class=\"exposure\"><col class=\"level\"></colgroup>\n".utf8
        out += "<thead><tr><th scope=\"col\" aria-sort=\"none\" data-key=\"name\">Unit</th><th scope=\"col\" aria-sort=\"descending\" data-key=\"exposure\">Exposure</th><th scope=\"col\">Level</th></tr></thead>\n<tbody>\n".utf8
        for r in reports {
            let a = r.assessment
            let level = Self.cssClass(a.level)
            out += "<tr data-name=\"".utf8; escape(a.unitName, into: &out)
            out += "\" data-exposure=\"".utf8; appendDecimal(a.exposure, to: &out)
            out += "\"><th scope=\"row\"><details><summary>".utf8; escape(a.unitName, into: &out)
            out += "</summary>".utf8
            // The findings are one text block, a line per failing check with the line that fixes
            // it (the drop-in that would jail the unit): thousands of units make hundreds of thousands of findings, and a browser builds
            // a page of one text node per unit several times faster than one of elements per
            // finding. The checks' descriptions are in the page once, below the table.
            var any = false
            for i in a.rows.indices where a.rows[i].failed {
                let row = a.rows[i]
                if !any { out += "<pre class=\"findings\">".utf8; any = true }
                let fix = r.remedies[i] ?? []
                // Most fixes start with the check's name ("PrivateNetwork=yes" for
                // PrivateNetwork=): those lines are the fix alone, the others name the check first.
                if fix.first?.hasPrefix(row.check.id) != true {
                    escape(row.check.id, into: &out)
                    if !fix.isEmpty { out.append(UInt8(ascii: "\t")) }
                }
                for (j, line) in fix.enumerated() {
                    if j > 0 { out += "  ".utf8 }
                    escape(line, into: &out)
                }
                out.append(UInt8(ascii: "\n"))
            }
            out += any ? "</pre>".utf8 : "<p>No check fails.</p>".utf8
            out += "</details></th><td class=\"exposure\"><span class=\"bar ".utf8
            out += level.utf8; out += "\" style=\"--x:".utf8; appendDecimal(a.exposure, to: &out)
            out += "%\" aria-hidden=\"true\"></span> ".utf8; appendTenths(a.exposure, to: &out)
            out += "</td><td class=\"level ".utf8; out += level.utf8; out += "\">".utf8
            out += a.level.rawValue.utf8; out += "</td></tr>\n".utf8
        }
        out += "</tbody></table>\n</section>\n".utf8
    }

    /// Every check that fails in some unit, with what its failing means, once for the whole page.
    private func checks(_ reports: [Report], into out: inout [UInt8]) {
        var failing: [String: (check: Check, units: Int)] = [:]
        for r in reports {
            for row in r.assessment.rows where row.failed { failing[row.check.id, default: (row.check, 0)].units += 1 }
        }
        guard !failing.isEmpty else { return }
        out += "<section aria-labelledby=\"checks\">\n<h2 id=\"checks\">Failing checks</h2>\n".utf8
        out += "<table class=\"checks\"><caption>What each failing check means, and in how many units it fails.</caption>\n".utf8
        out += "<thead><tr><th scope=\"col\">Check</th><th scope=\"col\">When it fails</th><th scope=\"col\">Units</th></tr></thead>\n<tbody>\n".utf8
        for (id, entry) in failing.sorted(by: { $0.key < $1.key }) {
            out += "<tr><th scope=\"row\"><code>".utf8; escape(id, into: &out)
            out += "</code></th><td>".utf8; escape(entry.check.fail, into: &out)
            out += "</td><td>".utf8; appendDecimal(UInt64(entry.units), to: &out); out += "</td></tr>\n".utf8
        }
        out += "</tbody></table>\n</section>\n".utf8
    }

    static func cssClass(_ level: Level) -> String { "lv-" + level.rawValue.lowercased() }

    /// `s` with the characters HTML gives a meaning escaped.
    private func escape(_ s: String, into out: inout [UInt8]) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): out += "&amp;".utf8
            case UInt8(ascii: "<"): out += "&lt;".utf8
            case UInt8(ascii: ">"): out += "&gt;".utf8
            case UInt8(ascii: "\""): out += "&quot;".utf8
            case UInt8(ascii: "'"): out += "&#39;".utf8
            default: out.append(b)
            }
        }
    }

    // Colours meet WCAG AA contrast against white; the level is always written beside the bar too.
    private static let style = """
        <style>
        :root { color-scheme: light; font-family: system-ui, sans-serif; color: #1f2328; background: #fff; }
        body { margin: 1.5rem; max-width: 72rem; }
        h1 { font-size: 1.5rem; } h2 { font-size: 1.25rem; margin-top: 2rem; } h3 { font-size: 1rem; }
        dl.about { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
        dl.about dt { font-weight: 600; } dl.about dd { margin: 0; }
        table { border-collapse: collapse; width: 100%; }
        table.levels { width: auto; }
        caption { text-align: left; padding: .4rem 0; color: #57606a; }
        th, td { text-align: left; vertical-align: top; padding: .3rem .6rem; border-bottom: 1px solid #d0d7de; }
        tbody th { font-weight: normal; }
        thead th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: #0550ae; text-decoration: underline; }
        thead th[aria-sort="ascending"] button::after { content: " \\25B2"; }
        thead th[aria-sort="descending"] button::after { content: " \\25BC"; }
        td.exposure { white-space: nowrap; font-variant-numeric: tabular-nums; }
        .bar { display: inline-block; width: 8rem; height: .8rem; border: 1px solid #57606a; vertical-align: middle; margin-right: .4rem;
               background: linear-gradient(to right, var(--c) var(--x), #fff 0); }
        .swatch { display: inline-block; width: .8rem; height: .8rem; margin-right: .4rem; vertical-align: middle; }
        .lv-perfect, .lv-safe, .lv-ok { --c: #1a7f37; } .lv-medium { --c: #9a6700; }
        .lv-exposed { --c: #bc4c00; } .lv-unsafe, .lv-dangerous { --c: #cf222e; }
        .swatch { background: var(--c); }
        td.level { font-weight: 600; }
        td.lv-perfect, td.lv-safe, td.lv-ok { color: #1a7f37; } td.lv-medium { color: #7d4e00; }
        td.lv-exposed { color: #a40e26; } td.lv-unsafe, td.lv-dangerous { color: #a40e26; }
        summary { cursor: pointer; }
        #unit-table { table-layout: fixed; }
        /* A browser styles and lays out only the rows in view (2,000 units would take it most of a second). */
        #unit-table tbody th { content-visibility: auto; contain-intrinsic-size: auto 1.5rem; }
        pre.findings { content-visibility: auto; }
        col.exposure { width: 13rem; } col.level { width: 8rem; }
        pre.findings { margin: .4rem 0; padding: .4rem; background: #f6f8fa; tab-size: 44; white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
        .tools { margin: .5rem 0; }
        @media print {
          body { margin: 0; max-width: none; }
          .tools, thead th button::after { display: none; }
          thead th button { color: inherit; text-decoration: none; }
          details::details-content { content-visibility: visible; display: block; }
          tr { break-inside: avoid; }
          .bar, .swatch { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
        }
        </style>

        """

    // Enhancement only: sort buttons in the headers, the filter box, all units open for printing.
    private static let script = """
        <script>
        (function () {
          "use strict";
          var table = document.getElementById("unit-table");
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          var tools = document.querySelector(".tools");
          var filter = document.getElementById("filter");
          var shown = document.getElementById("shown");
          var heads = table.tHead.querySelectorAll("th[data-key]");
          function sortBy(key, dir) {
            var sign = dir === "ascending" ? 1 : -1;
            rows.sort(function (a, b) {
              var d = key === "exposure" ? a.dataset.exposure - b.dataset.exposure : 0;
              if (d === 0) { d = a.dataset.name < b.dataset.name ? -1 : a.dataset.name > b.dataset.name ? 1 : 0; if (key !== "name") { return d; } }
              return d * sign;
            });
            var fragment = document.createDocumentFragment();
            rows.forEach(function (r) { fragment.appendChild(r); });
            body.appendChild(fragment);
            heads.forEach(function (h) { h.setAttribute("aria-sort", h.dataset.key === key ? dir : "none"); });
          }
          heads.forEach(function (h) {
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = h.textContent;
            h.textContent = "";
            h.appendChild(button);
            button.addEventListener("click", function () {
              var current = h.getAttribute("aria-sort");
              var dir = current === "none" ? (h.dataset.key === "name" ? "ascending" : "descending")
                : current === "ascending" ? "descending" : "ascending";
              sortBy(h.dataset.key, dir);
            });
          });
          function applyFilter() {
            var text = filter.value.trim().toLowerCase();
            var n = 0;
            rows.forEach(function (r) {
              var hide = text !== "" && r.dataset.name.toLowerCase().indexOf(text) < 0;
              if (r.hidden !== hide) { r.hidden = hide; }
              if (!hide) { n++; }
            });
            shown.textContent = n + " of " + rows.length + " units shown";
          }
          filter.addEventListener("input", applyFilter);
          tools.hidden = false;
          shown.textContent = rows.length + " of " + rows.length + " units shown";
          window.addEventListener("beforeprint", function () {
            table.querySelectorAll("details").forEach(function (d) { d.open = true; });
          });
        })();
        </script>

        """
}
