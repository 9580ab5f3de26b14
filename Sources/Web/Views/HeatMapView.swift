import Domain
import Foundation

/// The heat map as SVG: cells in their band's colour with the number of risks, each a link to the
/// risks in it. Works without JavaScript and prints.
enum HeatMapView {
    static func svg(_ c: PageContext, _ map: HeatMap, link: (HeatMap.Cell) -> String) -> HTML {
        let cell = 44, left = 64, top = 12, bottom = 40
        let width = left + cell * map.xValues.count + 8
        let height = top + cell * map.yValues.count + bottom
        var parts: [HTML] = []
        for (row, y) in map.yValues.reversed().enumerated() {
            parts.append("<text x=\"\(left - 8)\" y=\"\(top + row * cell + cell / 2 + 5)\" text-anchor=\"end\" class=\"axis\">\(y)</text>")
            for (column, x) in map.xValues.enumerated() {
                guard let entry = map.cells.first(where: { $0.x == x && $0.y == y }) else { continue }
                let colour = entry.band.map(\.colour) ?? "#eeeeee"
                let safe = colour.count == 7 && colour.hasPrefix("#") ? colour : "#eeeeee"
                let label = c.t("heat.cellLabel", ["x": String(x), "y": String(y), "score": String(entry.score), "count": String(entry.count)])
                let rect: HTML = "<rect x=\"\(left + column * cell)\" y=\"\(top + row * cell)\" width=\"\(cell - 2)\" height=\"\(cell - 2)\" rx=\"4\" fill=\"\(safe)\" fill-opacity=\"\(entry.count > 0 ? "1" : "0.25")\"/><text x=\"\(left + column * cell + cell / 2 - 1)\" y=\"\(top + row * cell + cell / 2 + 5)\" text-anchor=\"middle\" class=\"count\">\(entry.count > 0 ? String(entry.count) : "")</text>"
                parts.append(entry.count > 0 ? "<a href=\"\(link(entry))\" aria-label=\"\(label)\"><title>\(label)</title>\(rect)</a>" : "<g><title>\(label)</title>\(rect)</g>")
            }
        }
        for (column, x) in map.xValues.enumerated() {
            parts.append("<text x=\"\(left + column * cell + cell / 2 - 1)\" y=\"\(top + map.yValues.count * cell + 16)\" text-anchor=\"middle\" class=\"axis\">\(x)</text>")
        }
        let xLabel = map.xFactors.map { c.t("field.\($0.rawValue)") }.joined(separator: " × "), yLabel = c.t("field.\(map.yFactor.rawValue)")
        parts.append("<text x=\"\(left + map.xValues.count * cell / 2)\" y=\"\(height - 4)\" text-anchor=\"middle\" class=\"axis-title\">\(xLabel) →</text>")
        parts.append("<text x=\"12\" y=\"\(top + map.yValues.count * cell / 2)\" text-anchor=\"middle\" class=\"axis-title\" transform=\"rotate(-90 12 \(top + map.yValues.count * cell / 2))\">\(yLabel) →</text>")
        return """
        <figure class="heatmap"><svg viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" role="img" aria-label="\(c.t(map.residual ? "heat.residual" : "heat.inherent"))">\(parts)</svg>
        <figcaption>\(c.t(map.residual ? "heat.residual" : "heat.inherent")) — \(c.t("heat.total", ["count": String(map.total)]))\(map.unrated > 0 ? HTML(" · \(c.t("heat.unrated", ["count": String(map.unrated)]))") : HTML.empty)</figcaption></figure>
        """
    }
}
